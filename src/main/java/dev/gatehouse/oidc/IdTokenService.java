package dev.gatehouse.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.openid.connect.sdk.claims.AccessTokenHash;
import com.nimbusds.openid.connect.sdk.claims.CodeHash;
import com.nimbusds.openid.connect.sdk.claims.StateHash;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.platform.keys.KeyRing;
import dev.gatehouse.platform.keys.SigningKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** OIDC Core §2 ID tokens, signed with the client's {@code id_token_signed_response_alg} (RS256 by default). */
public final class IdTokenService {
    public record Claims(
            OAuthClient client,
            String subject,
            UUID sessionId,
            Instant authTime,
            Optional<String> nonce,
            String accessToken,
            List<String> amr,
            Map<String, Object> userClaims) {}

    private final KeyRing keys;
    private final String issuer;
    private final Clock clock;
    private final Duration ttl;

    public IdTokenService(KeyRing keys, String issuer, Clock clock, Duration ttl) {
        this.keys = keys;
        this.issuer = issuer;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** OIDC Registration §2: RS256 unless the client registered another algorithm Gatehouse signs with. */
    static JWSAlgorithm algorithmFor(OAuthClient client) {
        JWSAlgorithm alg = client.metadata().getIDTokenJWSAlg();
        return alg != null && KeyRing.SUPPORTED.contains(alg) ? alg : JWSAlgorithm.RS256;
    }

    /** The ID token of a token response (OIDC Core §3.1.3.3), with {@code at_hash} of its access token. */
    public String issue(Claims c) {
        JWSAlgorithm alg = algorithmFor(c.client());
        Curve curve = JWSAlgorithm.EdDSA.equals(alg) ? Curve.Ed25519 : null;
        var claims = common(c.client(), c.subject(), c.sessionId(), c.authTime(), c.nonce(), c.amr());
        // The claims the granted scopes release, as userinfo gives them (ADR 0024): many clients read the ID token
        // only.
        c.userClaims().forEach((name, value) -> {
            if (!name.equals("sub")) claims.claim(name, value);
        });
        // OIDC Core §3.1.3.6: at_hash, the left half of the access token's hash.
        claims.claim(
                "at_hash",
                AccessTokenHash.compute(new BearerAccessToken(c.accessToken()), alg, curve)
                        .getValue());
        return sign(alg, claims.build());
    }

    /**
     * The ID token of a hybrid authorization response ({@code response_type=code id_token}, OIDC Core §3.3.2.11): no
     * access token exists yet, so it carries {@code c_hash} of the code and, with a {@code state}, {@code s_hash}
     * (FAPI 1.0 Advanced §5.2.2.1) instead of {@code at_hash}; profile claims come from userinfo (§5.4). {@code sid} is
     * the session the code will open, the same as in the ID token of the code's token response.
     */
    public String issueForCode(
            OAuthClient client,
            String subject,
            UUID sessionId,
            Instant authTime,
            String nonce,
            List<String> amr,
            String code,
            Optional<String> state) {
        JWSAlgorithm alg = algorithmFor(client);
        Curve curve = JWSAlgorithm.EdDSA.equals(alg) ? Curve.Ed25519 : null;
        var claims = common(client, subject, sessionId, authTime, Optional.of(nonce), amr)
                .claim(
                        "c_hash",
                        CodeHash.compute(new AuthorizationCode(code), alg, curve)
                                .getValue());
        state.ifPresent(st -> claims.claim(
                "s_hash", StateHash.compute(new State(st), alg, curve).getValue()));
        return sign(alg, claims.build());
    }

    private JWTClaimsSet.Builder common(
            OAuthClient client,
            String subject,
            UUID sessionId,
            Instant authTime,
            Optional<String> nonce,
            List<String> amr) {
        Instant now = clock.instant();
        var claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(subject)
                .audience(client.clientId())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .claim("auth_time", authTime.getEpochSecond())
                .claim("sid", sessionId.toString())
                .claim("amr", amr)
                .claim("acr", dev.gatehouse.oauth.authorize.Acr.achievedBy(amr))
                .claim("azp", client.clientId());
        nonce.ifPresent(n -> claims.claim("nonce", n));
        return claims;
    }

    private String sign(JWSAlgorithm alg, JWTClaimsSet claims) {
        return sign(alg, claims, JOSEObjectType.JWT);
    }

    private String sign(JWSAlgorithm alg, JWTClaimsSet claims, JOSEObjectType type) {
        SigningKey key = keys.signingKey(alg);
        var jwt = new SignedJWT(
                new JWSHeader.Builder(alg).type(type).keyID(key.kid()).build(), claims);
        try {
            jwt.sign(keys.signer(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
        return jwt.serialize();
    }

    /**
     * Back-Channel Logout 1.0 §2.4: a Logout Token for one client's session, typed {@code logout+jwt}, with both
     * {@code sub} and {@code sid}, the back-channel logout event, a short lifetime and no nonce.
     */
    public String logoutToken(OAuthClient client, String subject, UUID sessionId, String jti) {
        Instant now = clock.instant();
        var claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(subject)
                .audience(client.clientId())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(2))))
                .jwtID(jti)
                .claim("sid", sessionId.toString())
                .claim(
                        "events",
                        java.util.Map.of("http://schemas.openid.net/event/backchannel-logout", java.util.Map.of()))
                .build();
        return sign(algorithmFor(client), claims, new JOSEObjectType("logout+jwt"));
    }

    /**
     * An ID token this server issued, checked for signature (by a key still published) and issuer but not for expiry:
     * RP-Initiated Logout §2 accepts an expired {@code id_token_hint}. Empty for anything else.
     */
    public Optional<JWTClaimsSet> verifyHint(String idToken) {
        return readHint(idToken, true);
    }

    /**
     * The claims of an ID token that names this issuer but whose key is no longer published (rotated and retired since
     * it was issued), so its signature cannot be checked: not to be trusted, only to tell which client a logout request
     * comes from. Empty for anything else, including a token whose key is published (use {@link #verifyHint}).
     */
    public Optional<JWTClaimsSet> staleHint(String idToken) {
        return readHint(idToken, false);
    }

    private Optional<JWTClaimsSet> readHint(String idToken, boolean verified) {
        if (idToken == null || idToken.length() > 16_384) return Optional.empty();
        try {
            SignedJWT jwt = SignedJWT.parse(idToken);
            JWSHeader header = jwt.getHeader();
            if (header.getKeyID() == null || !KeyRing.SUPPORTED.contains(header.getAlgorithm()))
                return Optional.empty();
            // Only ID tokens: access and logout tokens are signed by the same keys but carry their own typ.
            if (header.getType() != null && !JOSEObjectType.JWT.equals(header.getType())) return Optional.empty();
            var verifier = keys.verifier(header.getKeyID(), header.getAlgorithm());
            if (verified ? verifier.isEmpty() || !jwt.verify(verifier.get()) : verifier.isPresent())
                return Optional.empty();
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (!issuer.equals(claims.getIssuer()) || claims.getSubject() == null) return Optional.empty();
            return Optional.of(claims);
        } catch (java.text.ParseException | JOSEException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
