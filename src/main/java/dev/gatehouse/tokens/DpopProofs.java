package dev.gatehouse.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.platform.crypto.PublicJwks;
import dev.gatehouse.platform.db.ReplayCache;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * DPoP proofs (RFC 9449 §4.3): {@code typ: dpop+jwt}, an allowed asymmetric algorithm, a public {@code jwk} in the
 * header that the signature verifies with, {@code htm}/{@code htu} of this very request, a recent {@code iat}, a
 * {@code jti} never seen before on any node, and at a resource the {@code ath} of the presented access token. The
 * result is the key's SHA-256 thumbprint ({@code jkt}) that tokens are bound to. Server nonces are not used.
 */
public final class DpopProofs {
    public static final JOSEObjectType TYPE = new JOSEObjectType("dpop+jwt");

    /**
     * {@code dpop+jwt}, as RFC 7515 §4.1.9 compares media types: case-insensitively, with {@code application/} left
     * out or not.
     */
    static boolean isDpopType(JOSEObjectType type) {
        if (type == null) return false;
        String t = type.getType().toLowerCase(java.util.Locale.ROOT);
        return t.equals("dpop+jwt") || t.equals("application/dpop+jwt");
    }

    static final Duration MAX_AGE = Duration.ofMinutes(2);
    static final Duration FUTURE_SKEW = Duration.ofSeconds(60);

    /** A proof that failed a check: {@code invalid_dpop_proof} with this message. */
    public static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private final ReplayCache replays;
    private final Clock clock;

    public DpopProofs(ReplayCache replays, Clock clock) {
        this.replays = replays;
        this.clock = clock;
    }

    /**
     * Verifies the request's {@code DPoP} header values and returns the proof key's thumbprint. {@code accessToken},
     * when present, must be hashed in {@code ath}.
     */
    public String verify(List<String> headers, String method, String url, Optional<String> accessToken) {
        if (headers.size() != 1) throw new Invalid("exactly one DPoP header is required");
        String proof = headers.get(0);
        if (proof == null || proof.isBlank() || proof.length() > 8192) throw new Invalid("the DPoP proof is malformed");
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(proof.trim());
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            throw new Invalid("the DPoP proof is not a signed JWT");
        }
        JWSHeader header = jwt.getHeader();
        if (!isDpopType(header.getType())) throw new Invalid("the DPoP proof must have typ dpop+jwt");
        if (!PublicJwks.ALGS.contains(header.getAlgorithm()))
            throw new Invalid("the DPoP proof must be signed with one of " + PublicJwks.algNames());
        JWK jwk = header.getJWK();
        if (jwk == null) throw new Invalid("the DPoP proof has no jwk header");
        if (jwk.isPrivate()) throw new Invalid("the DPoP proof's jwk must not contain a private key");
        Optional<JWSVerifier> verifier = PublicJwks.verifier(jwk, header.getAlgorithm());
        if (verifier.isEmpty()) throw new Invalid("the DPoP proof's jwk does not fit its algorithm");
        try {
            if (!jwt.verify(verifier.get())) throw new Invalid("the DPoP proof signature does not verify");
        } catch (JOSEException | RuntimeException e) {
            if (e instanceof Invalid i) throw i;
            throw new Invalid("the DPoP proof signature does not verify");
        }
        Object htm = claims.getClaim("htm");
        if (!method.equals(htm)) throw new Invalid("htm of the DPoP proof must be " + method);
        Object htu = claims.getClaim("htu");
        if (!(htu instanceof String h) || !sameTarget(h, url))
            throw new Invalid("htu of the DPoP proof must be " + url);
        Instant now = clock.instant();
        Instant iat =
                claims.getIssueTime() == null ? null : claims.getIssueTime().toInstant();
        if (iat == null) throw new Invalid("the DPoP proof has no iat");
        if (iat.isAfter(now.plus(FUTURE_SKEW)) || iat.isBefore(now.minus(MAX_AGE)))
            throw new Invalid("the DPoP proof's iat is not recent");
        if (accessToken.isPresent()) {
            Object ath = claims.getClaim("ath");
            if (!(ath instanceof String a) || !a.equals(hash(accessToken.get())))
                throw new Invalid("ath of the DPoP proof does not match the access token");
        }
        String jti = claims.getJWTID();
        if (jti == null || jti.isEmpty() || jti.length() > 256) throw new Invalid("the DPoP proof needs a jti");
        String jkt;
        try {
            jkt = jwk.computeThumbprint("SHA-256").toString();
        } catch (JOSEException e) {
            throw new Invalid("the DPoP proof's jwk has no thumbprint");
        }
        // Kept until the proof's iat leaves the window (plus the future skew it may have been issued with).
        if (!replays.firstUse("dpop:" + jkt, jti, iat.plus(MAX_AGE).plus(FUTURE_SKEW)))
            throw new Invalid("the DPoP proof was already used (jti replay)");
        return jkt;
    }

    /** {@code ath}: base64url SHA-256 of the access token's ASCII (RFC 9449 §4.2). */
    public static String hash(String accessToken) {
        try {
            return Base64URL.encode(MessageDigest.getInstance("SHA-256")
                            .digest(accessToken.getBytes(StandardCharsets.US_ASCII)))
                    .toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 9449 §4.3 check 9: same URI ignoring query and fragment, after RFC 3986 §6.2.2/§6.2.3 normalisation. */
    static boolean sameTarget(String htu, String expected) {
        return normalise(htu)
                .map(n -> n.equals(normalise(expected).orElse(null)))
                .orElse(false);
    }

    private static Optional<String> normalise(String s) {
        try {
            // RFC 3986 §6.2.2.3: dot segments removed.
            URI u = new URI(s).normalize();
            if (u.getScheme() == null || u.getHost() == null) return Optional.empty();
            String scheme = u.getScheme().toLowerCase(Locale.ROOT);
            int port = u.getPort();
            if ((scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80)) port = -1;
            String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : percentNormalised(u.getRawPath());
            return Optional.of(
                    scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (port == -1 ? "" : ":" + port) + path);
        } catch (java.net.URISyntaxException e) {
            return Optional.empty();
        }
    }

    /**
     * RFC 3986 §6.2.2.1-2: percent-encodings in upper case, and those of unreserved characters decoded; a reserved
     * character stays encoded ({@code %2F} is not {@code /}).
     */
    static String percentNormalised(String rawPath) {
        var out = new StringBuilder(rawPath.length());
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            // java.net.URI has checked that every '%' starts a well-formed %HH.
            if (c == '%' && i + 2 < rawPath.length()) {
                int v = Integer.parseInt(rawPath.substring(i + 1, i + 3), 16);
                boolean unreserved = (v >= 'a' && v <= 'z')
                        || (v >= 'A' && v <= 'Z')
                        || (v >= '0' && v <= '9')
                        || v == '-'
                        || v == '.'
                        || v == '_'
                        || v == '~';
                out.append(unreserved ? String.valueOf((char) v) : "%" + String.format(Locale.ROOT, "%02X", v));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
