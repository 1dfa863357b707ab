package dev.gatehouse.oauth.clients;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.platform.crypto.PublicJwks;
import dev.gatehouse.platform.db.ReplayCache;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code private_key_jwt} (RFC 7523 §2.2 and §3, OIDC Core §9): a JWT the client signed with a key from its registered
 * {@code jwks}. Checked: an allowed asymmetric algorithm (the client's {@code token_endpoint_auth_signing_alg} when it
 * registered one), the signature, {@code iss} = {@code sub} = client id, an {@code aud} naming this server (its
 * issuer or one of its client-authenticated endpoints), a short {@code exp}, sane {@code iat}/{@code nbf}, and a
 * {@code jti} never seen before on any node.
 */
public final class ClientAssertions {
    public static final String TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    static final Duration MAX_AHEAD = Duration.ofMinutes(5);
    static final Duration SKEW = Duration.ofSeconds(60);

    private final Set<String> audiences;
    private final ReplayCache replays;
    private final Clock clock;

    public ClientAssertions(String issuer, ReplayCache replays, Clock clock) {
        this.audiences = Set.of(
                issuer,
                issuer + "/oauth2/token",
                issuer + "/oauth2/introspect",
                issuer + "/oauth2/revoke",
                issuer + "/oauth2/par",
                issuer + "/oauth2/device_authorization");
        this.replays = replays;
        this.clock = clock;
    }

    /** The client id an assertion names in {@code sub} (RFC 7523 §3: client_id is then optional), unverified. */
    static Optional<String> subjectOf(String assertion) {
        try {
            return Optional.ofNullable(
                    SignedJWT.parse(assertion).getJWTClaimsSet().getSubject());
        } catch (ParseException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Throws {@code invalid_client} unless the assertion authenticates {@code client}; spends its jti. */
    public void verify(OAuthClient client, String assertion) {
        if (assertion == null || assertion.length() > 8192) throw fail("the client assertion is missing or too long");
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(assertion);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            throw fail("the client assertion is not a signed JWT");
        }
        JWSHeader header = jwt.getHeader();
        JWSAlgorithm alg = header.getAlgorithm();
        if (!PublicJwks.ALGS.contains(alg))
            throw fail("client assertions must be signed with one of " + PublicJwks.algNames());
        JWSAlgorithm registered = client.metadata().getTokenEndpointAuthJWSAlg();
        if (registered != null && !registered.equals(alg))
            throw fail("the client registered token_endpoint_auth_signing_alg " + registered);
        if (!verified(jwt, client.metadata().getJWKSet(), header))
            throw fail("the client assertion signature does not verify with the client's registered keys");

        String id = client.clientId();
        if (!id.equals(claims.getIssuer()) || !id.equals(claims.getSubject()))
            throw fail("iss and sub of the client assertion must be the client id");
        List<String> aud = claims.getAudience();
        if (aud == null || aud.stream().noneMatch(audiences::contains))
            throw fail("aud of the client assertion must be this server's issuer or token endpoint");
        Instant now = clock.instant();
        Instant exp = instant(claims.getExpirationTime());
        if (exp == null) throw fail("the client assertion has no exp");
        if (!exp.plus(SKEW).isAfter(now)) throw fail("the client assertion has expired");
        if (exp.isAfter(now.plus(MAX_AHEAD).plus(SKEW)))
            throw fail("the client assertion must expire within " + MAX_AHEAD.toMinutes() + " minutes");
        Instant nbf = instant(claims.getNotBeforeTime());
        if (nbf != null && nbf.isAfter(now.plus(SKEW))) throw fail("the client assertion is not valid yet (nbf)");
        Instant iat = instant(claims.getIssueTime());
        if (iat != null && iat.isAfter(now.plus(SKEW))) throw fail("the client assertion is issued in the future");
        String jti = claims.getJWTID();
        if (jti == null || jti.isEmpty() || jti.length() > 256) throw fail("the client assertion needs a jti");
        if (!replays.firstUse("client_assertion:" + id, jti, exp.plus(SKEW)))
            throw fail("the client assertion was already used (jti replay)");
    }

    private static boolean verified(SignedJWT jwt, JWKSet keys, JWSHeader header) {
        if (keys == null) return false;
        for (JWK key : keys.getKeys()) {
            if (header.getKeyID() != null && !header.getKeyID().equals(key.getKeyID())) continue;
            Optional<JWSVerifier> verifier = PublicJwks.verifier(key, header.getAlgorithm());
            if (verifier.isEmpty()) continue;
            try {
                if (jwt.verify(verifier.get())) return true;
            } catch (JOSEException | RuntimeException e) {
                // a malformed signature for this key: try the next one
            }
        }
        return false;
    }

    private static Instant instant(Date d) {
        return d == null ? null : d.toInstant();
    }

    private static OAuthError fail(String why) {
        return OAuthError.invalidClient(why);
    }
}
