package dev.gatehouse.oauth.clients;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
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
 * {@code private_key_jwt} (RFC 7523 §2.2 and §3 as updated by draft-ietf-oauth-rfc7523bis, OIDC Core §9): a JWT the
 * client signed with a key from its registered {@code jwks}. Checked: an allowed asymmetric algorithm (the client's
 * {@code token_endpoint_auth_signing_alg} when it registered one), a {@code typ} that is absent, {@code JWT} or
 * {@code client-authentication+jwt}, the signature, {@code iss} = {@code sub} = client id, this server's issuer
 * identifier as the sole {@code aud}, a short {@code exp}, sane {@code iat}/{@code nbf}, and a {@code jti} never seen
 * before on any node.
 *
 * <p>The audience is the issuer alone because an endpoint URL as audience let a malicious server that a client also
 * trusts collect assertions for this one (audience injection, CVE-2025-27370/27371): it only has to name this server's
 * token endpoint as its own. {@code GATEHOUSE_CLIENT_ASSERTION_ENDPOINT_AUDIENCE=true} also accepts the URLs of the
 * endpoints a client authenticates at, as RFC 7523 and OIDC Core used to advise, for clients not yet updated (ADR
 * 0022).
 */
public final class ClientAssertions {
    public static final String TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    static final Duration MAX_AHEAD = Duration.ofMinutes(5);
    static final Duration SKEW = Duration.ofSeconds(60);

    /** The media type of an explicitly typed client assertion (draft-ietf-oauth-rfc7523bis §4). */
    static final JOSEObjectType EXPLICIT_TYPE = new JOSEObjectType("client-authentication+jwt");

    private final String issuer;
    private final boolean endpointAudiences;
    private final Set<String> audiences;
    private final ReplayCache replays;
    private final Clock clock;

    /**
     * {@code endpointAudiences}: also accept the URL of an endpoint a client authenticates at as the audience (the old
     * rule; open to audience injection).
     */
    public ClientAssertions(String issuer, boolean endpointAudiences, ReplayCache replays, Clock clock) {
        this.issuer = issuer;
        this.endpointAudiences = endpointAudiences;
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
        JOSEObjectType typ = header.getType();
        if (typ != null && !JOSEObjectType.JWT.equals(typ) && !EXPLICIT_TYPE.equals(typ))
            throw fail("a client assertion's typ must be JWT or " + EXPLICIT_TYPE + ", not " + typ);
        if (!verified(jwt, client.metadata().getJWKSet(), header))
            throw fail("the client assertion signature does not verify with the client's registered keys");

        String id = client.clientId();
        if (!id.equals(claims.getIssuer()) || !id.equals(claims.getSubject()))
            throw fail("iss and sub of the client assertion must be the client id");
        List<String> aud = claims.getAudience();
        if (aud == null || !namesThisServer(aud)) {
            throw fail(
                    endpointAudiences
                            ? "aud of the client assertion must name this server's issuer or one of its endpoints"
                            : "aud of the client assertion must be this server's issuer identifier alone: " + issuer);
        }
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

    /** The old rule: any value naming this server. The new one: the issuer identifier as the only value. */
    private boolean namesThisServer(List<String> aud) {
        if (endpointAudiences) return aud.stream().anyMatch(audiences::contains);
        return aud.size() == 1 && issuer.equals(aud.get(0));
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
