package dev.gatehouse.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.platform.keys.KeyRing;
import dev.gatehouse.platform.keys.SigningKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Issues and verifies JWT access tokens in the RFC 9068 shape ({@code typ: at+jwt}; iss, sub, aud, exp, iat, jti,
 * client_id, scope). Verification accepts only the algorithms Gatehouse signs with and only keys it publishes, so
 * {@code alg: none} and HMAC-with-a-public-key confusions fail before any signature math.
 */
public final class AccessTokenService {
    public static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");
    private static final Set<String> REGISTERED =
            Set.of("iss", "sub", "aud", "iat", "exp", "nbf", "jti", "client_id", "scope", "sid", "cnf");

    /**
     * {@code dpopJkt}: bind the token to this DPoP key thumbprint ({@code cnf.jkt}, RFC 9449 §6). {@code alg}: the
     * client's access-token signing algorithm when it registered one, else the server's default.
     */
    public record Request(
            String subject,
            Optional<UUID> sessionId,
            String clientId,
            List<String> audience,
            Set<String> scopes,
            Optional<String> dpopJkt,
            Optional<JWSAlgorithm> alg) {
        public Request(
                String subject, Optional<UUID> sessionId, String clientId, List<String> audience, Set<String> scopes) {
            this(subject, sessionId, clientId, audience, scopes, Optional.empty(), Optional.empty());
        }
    }

    public record Issued(String token, Instant expiresAt, long expiresIn, String jti) {}

    private final KeyRing keys;
    private final String issuer;
    private final Clock clock;
    private final Duration ttl;
    private final JWSAlgorithm alg;
    private final Counter issued;

    public AccessTokenService(
            KeyRing keys, String issuer, Clock clock, Duration ttl, JWSAlgorithm alg, MeterRegistry metrics) {
        this.keys = keys;
        this.issuer = issuer;
        this.clock = clock;
        this.ttl = ttl;
        this.alg = alg;
        this.issued = Counter.builder("gatehouse.tokens.issued")
                .tag("type", "access_token")
                .description("Access tokens issued")
                .register(metrics);
    }

    public Issued issue(Request r) {
        return issue(r, java.util.Map.of());
    }

    /**
     * With claims beyond RFC 9068's (e.g. RFC 8693 {@code act}); they cannot replace the registered ones set here.
     */
    public Issued issue(Request r, java.util.Map<String, Object> extra) {
        Instant now = clock.instant();
        Instant exp = now.plus(ttl);
        String jti = UUID.randomUUID().toString();
        var claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(r.subject())
                .audience(r.audience())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(exp))
                .jwtID(jti)
                .claim("client_id", r.clientId());
        if (!r.scopes().isEmpty()) claims.claim("scope", String.join(" ", r.scopes()));
        r.sessionId().ifPresent(sid -> claims.claim("sid", sid.toString()));
        r.dpopJkt().ifPresent(jkt -> claims.claim("cnf", java.util.Map.of("jkt", jkt)));
        extra.forEach((name, value) -> {
            if (!REGISTERED.contains(name)) claims.claim(name, value);
        });
        JWSAlgorithm signWith = r.alg().orElse(alg);
        SigningKey key = keys.signingKey(signWith);
        var jwt = new SignedJWT(
                new JWSHeader.Builder(signWith).type(AT_JWT).keyID(key.kid()).build(), claims.build());
        try {
            jwt.sign(keys.signer(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
        issued.increment();
        return new Issued(jwt.serialize(), exp, ttl.toSeconds(), jti);
    }

    /** The claims of a valid, unexpired token of ours; empty for anything else. */
    public Optional<AccessTokenClaims> verify(String token) {
        if (token == null
                || token.length() > 8192
                || token.chars().filter(c -> c == '.').count() != 2) {
            return Optional.empty();
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWSHeader header = jwt.getHeader();
            if (!KeyRing.SUPPORTED.contains(header.getAlgorithm()) || header.getKeyID() == null)
                return Optional.empty();
            if (!AT_JWT.equals(header.getType())) return Optional.empty();
            Optional<JWSVerifier> verifier = keys.verifier(header.getKeyID(), header.getAlgorithm());
            if (verifier.isEmpty() || !jwt.verify(verifier.get())) return Optional.empty();
            JWTClaimsSet c = jwt.getJWTClaimsSet();
            Instant now = clock.instant();
            if (!issuer.equals(c.getIssuer()) || c.getExpirationTime() == null || c.getSubject() == null) {
                return Optional.empty();
            }
            if (!c.getExpirationTime().toInstant().isAfter(now)) return Optional.empty();
            String scope = c.getStringClaim("scope");
            Set<String> scopes = scope == null ? Set.of() : new LinkedHashSet<>(Arrays.asList(scope.split(" ")));
            String sid = c.getStringClaim("sid");
            Optional<String> jkt = Optional.empty();
            if (c.getClaim("cnf") != null) {
                Object value = c.getJSONObjectClaim("cnf").get("jkt");
                if (!(value instanceof String s)) return Optional.empty(); // a confirmation we cannot check
                jkt = Optional.of(s);
            }
            return Optional.of(new AccessTokenClaims(
                    c.getJWTID(),
                    c.getSubject(),
                    c.getAudience() == null ? List.of() : c.getAudience(),
                    c.getStringClaim("client_id"),
                    scopes,
                    sid == null ? Optional.empty() : Optional.of(UUID.fromString(sid)),
                    c.getIssueTime() == null ? null : c.getIssueTime().toInstant(),
                    c.getExpirationTime().toInstant(),
                    jkt));
        } catch (ParseException | JOSEException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
