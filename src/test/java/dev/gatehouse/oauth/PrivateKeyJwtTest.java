package dev.gatehouse.oauth;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenIntrospectionRequest;
import com.nimbusds.oauth2.sdk.TokenIntrospectionResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.JWTAuthenticationClaimsSet;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** private_key_jwt (RFC 7523 §2.2, OIDC Core §9) with assertions built by the Nimbus SDK as an independent client. */
@ServerTest
class PrivateKeyJwtTest {
    static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    static TestServer server;
    static String admin;
    static URI tokenUri;
    /** The audience of every assertion: the issuer identifier alone (draft-ietf-oauth-rfc7523bis). */
    static URI issuer;

    static RSAKey rsa;
    static ECKey ec;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
        server.createScopes("jobs:run");
        admin = server.adminToken();
        tokenUri = URI.create(server.base + "/oauth2/token");
        issuer = URI.create(server.base);
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The signed job's metadata with {@code extra} added. */
    static Map<String, Object> metadata(Map<String, Object> extra) {
        var body = new java.util.LinkedHashMap<String, Object>(map(
                "client_name",
                "signed job",
                "grant_types",
                List.of("client_credentials"),
                "token_endpoint_auth_method",
                "private_key_jwt",
                "scope",
                "jobs:run"));
        body.putAll(extra);
        return body;
    }

    /** The registration's answer, whatever its status (for the refusals). */
    static HttpJson.Response registerRaw(Map<String, Object> extra) {
        return server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(metadata(extra))
                .send();
    }

    /** A registered client's answer; fails unless created. */
    static HttpJson.Response registerCreated(Map<String, Object> extra) {
        return server.registerClientAs(admin, metadata(extra));
    }

    static Map<String, Object> jwks(JWK... keys) {
        return Map.of(
                "keys", java.util.Arrays.stream(keys).map(k -> k.toJSONObject()).toList());
    }

    static ClientID register() {
        var r = registerCreated(Map.of("jwks", jwks(rsa.toPublicJWK(), ec.toPublicJWK())));
        assertThat(r.json().has("client_secret"))
                .as("no secret for a key-authenticated client")
                .isFalse();
        return new ClientID(r.text("client_id"));
    }

    static TokenResponse token(ClientAuthentication auth) throws Exception {
        return TokenResponse.parse(new TokenRequest(tokenUri, auth, new ClientCredentialsGrant(), null)
                .toHTTPRequest()
                .send());
    }

    static JWTAuthenticationClaimsSet claims(ClientID id, String aud, Instant exp) {
        return claims(id, List.of(aud), exp);
    }

    static JWTAuthenticationClaimsSet claims(ClientID id, List<String> aud, Instant exp) {
        Instant now = Instant.now();
        return new JWTAuthenticationClaimsSet(
                id, aud.stream().map(Audience::new).toList(), Date.from(exp), null, Date.from(now), new JWTID());
    }

    static PrivateKeyJWT rs256(JWTAuthenticationClaimsSet claims, RSAKey key) throws Exception {
        return new PrivateKeyJWT(claims, JWSAlgorithm.RS256, key.toPrivateKey(), key.getKeyID(), null);
    }

    static void assertInvalidClient(TokenResponse response, String hint) {
        assertThat(response.indicatesSuccess()).isFalse();
        TokenErrorResponse error = response.toErrorResponse();
        assertThat(error.getErrorObject().getCode()).isEqualTo("invalid_client");
        assertThat(error.getErrorObject().getHTTPStatusCode()).isEqualTo(401);
        assertThat(error.getErrorObject().getDescription()).contains(hint);
    }

    /** Posts client_credentials with a hand-made assertion, as an attacker would. */
    static HttpJson.Response postAssertion(String assertion) {
        String form = "grant_type=client_credentials&client_assertion_type="
                + URLEncoder.encode(ASSERTION_TYPE, StandardCharsets.UTF_8) + "&client_assertion="
                + URLEncoder.encode(assertion, StandardCharsets.UTF_8);
        return server.http
                .post("/oauth2/token")
                .raw("application/x-www-form-urlencoded", form)
                .send();
    }

    @Test
    void whenAssertionIsSignedWithARegisteredKey_thenTokenIntrospectAndRevokeAcceptIt() throws Exception {
        ClientID id = register();
        var response = token(new PrivateKeyJWT(id, issuer, JWSAlgorithm.RS256, rsa.toPrivateKey(), "rsa-1", null));
        assertThat(response.indicatesSuccess())
                .as(() -> response.toErrorResponse().toJSONObject().toString())
                .isTrue();
        AccessToken at = response.toSuccessResponse().getTokens().getAccessToken();
        assertThat(SignedJWT.parse(at.getValue()).getJWTClaimsSet().getSubject())
                .isEqualTo(id.getValue());

        // ES256 at the introspection endpoint, with the same audience.
        URI introspect = URI.create(server.base + "/oauth2/introspect");
        var es = new PrivateKeyJWT(id, issuer, JWSAlgorithm.ES256, ec.toPrivateKey(), "ec-1", null);
        var ir = TokenIntrospectionResponse.parse(new TokenIntrospectionRequest(introspect, es, at)
                .toHTTPRequest()
                .send());
        assertThat(ir.indicatesSuccess()).isTrue();
        assertThat(ir.toSuccessResponse().isActive()).isTrue();

        URI revoke = URI.create(server.base + "/oauth2/revoke");
        var rv = new TokenRevocationRequest(
                        revoke,
                        new PrivateKeyJWT(id, issuer, JWSAlgorithm.RS256, rsa.toPrivateKey(), "rsa-1", null),
                        at)
                .toHTTPRequest()
                .send();
        assertThat(rv.getStatusCode()).isEqualTo(200);
        var after = TokenIntrospectionResponse.parse(new TokenIntrospectionRequest(
                        introspect,
                        new PrivateKeyJWT(id, issuer, JWSAlgorithm.ES256, ec.toPrivateKey(), "ec-1", null),
                        at)
                .toHTTPRequest()
                .send());
        assertThat(after.toSuccessResponse().isActive()).isFalse();
    }

    @Test
    void whenAssertionUsesPs256OrEdDsa_thenItIsAccepted() throws Exception {
        OctetKeyPair ed = new OctetKeyPairGenerator(Curve.Ed25519).keyID("ed-1").generate();
        var r = registerCreated(Map.of("jwks", jwks(rsa.toPublicJWK(), ed.toPublicJWK())));
        ClientID id = new ClientID(r.text("client_id"));
        assertThat(token(new PrivateKeyJWT(id, issuer, JWSAlgorithm.PS256, rsa.toPrivateKey(), "rsa-1", null))
                        .indicatesSuccess())
                .isTrue();
        var claims = new JWTClaimsSet.Builder()
                .issuer(id.getValue())
                .subject(id.getValue())
                .audience(server.base)
                .issueTime(Date.from(Instant.now()))
                .expirationTime(Date.from(Instant.now().plusSeconds(60)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        var jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID("ed-1").build(), claims);
        jwt.sign(new Ed25519Signer(ed));
        var ok = postAssertion(jwt.serialize());
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    }

    @Test
    void whenAssertionIsSignedWithAnotherKey_thenInvalidClient() throws Exception {
        ClientID id = register();
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate(); // same kid, other key
        assertInvalidClient(
                token(new PrivateKeyJWT(id, issuer, JWSAlgorithm.RS256, stranger.toPrivateKey(), "rsa-1", null)),
                "signature");
    }

    @Test
    void whenAssertionIsReplayed_thenTheSecondUseIsRefused() throws Exception {
        ClientID id = register();
        var auth = new PrivateKeyJWT(id, issuer, JWSAlgorithm.RS256, rsa.toPrivateKey(), "rsa-1", null);
        assertThat(token(auth).indicatesSuccess()).isTrue();
        assertInvalidClient(token(auth), "already used");
    }

    @Test
    void whenAssertionHasExpiredOrLivesTooLong_thenInvalidClient() throws Exception {
        ClientID id = register();
        Instant now = Instant.now();
        assertInvalidClient(token(rs256(claims(id, server.base, now.minus(Duration.ofMinutes(3))), rsa)), "expired");
        assertInvalidClient(
                token(rs256(claims(id, server.base, now.plus(Duration.ofHours(1))), rsa)), "within 5 minutes");
        // Within five minutes it is accepted.
        assertThat(token(rs256(claims(id, server.base, now.plus(Duration.ofMinutes(2))), rsa))
                        .indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenServerClockPassesTheExpiry_thenTheSameShapeOfAssertionIsRefused() throws Exception {
        ClientID id = register();
        var auth = new PrivateKeyJWT(id, issuer, JWSAlgorithm.RS256, rsa.toPrivateKey(), "rsa-1", null);
        server.clock.advance(Duration.ofMinutes(10));
        try {
            assertInvalidClient(token(auth), "expired");
        } finally {
            server.clock.advance(Duration.ofMinutes(-10));
        }
    }

    @Test
    void whenTheAudienceIsNotTheIssuerAlone_thenInvalidClient() throws Exception {
        ClientID id = register();
        Instant exp = Instant.now().plusSeconds(60);
        for (List<String> aud : List.of(
                List.of("https://other.example/oauth2/token"),
                // What a server that also trusts the client's key could collect by naming these as its own endpoints
                // (audience injection): refused, so such an assertion is worth nothing here.
                List.of(server.base + "/oauth2/token"),
                List.of(server.base + "/oauth2/introspect"),
                List.of(server.base + "/oauth2/par"),
                List.of(server.base, server.base + "/oauth2/token"),
                List.of(server.base + "/"))) {
            assertInvalidClient(token(rs256(claims(id, aud, exp), rsa)), "issuer identifier alone");
        }
        assertThat(token(rs256(claims(id, List.of(server.base), exp), rsa)).indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenTheTypNamesAnotherKindOfJwt_thenInvalidClient() throws Exception {
        ClientID id = register();
        for (String typ : List.of("dpop+jwt", "at+jwt", "logout+jwt", "oauth-authz-req+jwt")) {
            var r = postAssertion(typed(id, typ));
            assertThat(r.status()).as(typ + ": " + r.body()).isEqualTo(401);
            assertThat(r.text("error")).isEqualTo("invalid_client");
            assertThat(r.text("error_description")).contains("typ");
        }
        for (String typ : List.of("client-authentication+jwt", "JWT")) {
            var r = postAssertion(typed(id, typ));
            assertThat(r.status()).as(typ + ": " + r.body()).isEqualTo(200);
        }
    }

    /** The claims of a well-formed assertion of {@code id}: iss = sub = client id, the issuer as audience. */
    static JWTClaimsSet assertionClaims(ClientID id) {
        return new JWTClaimsSet.Builder()
                .issuer(id.getValue())
                .subject(id.getValue())
                .audience(server.base)
                .expirationTime(Date.from(Instant.now().plusSeconds(60)))
                .jwtID(UUID.randomUUID().toString())
                .build();
    }

    /** A well-formed assertion with the issuer as audience, signed with the client's RSA key, with {@code typ}. */
    static String typed(ClientID id, String typ) throws Exception {
        var claims = assertionClaims(id);
        var jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .keyID("rsa-1")
                        .type(new JOSEObjectType(typ))
                        .build(),
                claims);
        jwt.sign(new RSASSASigner(rsa));
        return jwt.serialize();
    }

    @Test
    void whenEndpointAudiencesAreSwitchedOn_thenTheOldAudiencesAreAcceptedButNoOtherServers() throws Exception {
        try (var old = TestServer.start(Map.of("GATEHOUSE_CLIENT_ASSERTION_ENDPOINT_AUDIENCE", "true"))) {
            old.createScopes("jobs:run");
            var r = old.registerClientAs(old.adminToken(), metadata(Map.of("jwks", jwks(rsa.toPublicJWK()))));
            ClientID id = new ClientID(r.text("client_id"));
            URI oldToken = URI.create(old.base + "/oauth2/token");
            Instant exp = Instant.now().plusSeconds(60);
            for (List<String> aud : List.of(
                    List.of(oldToken.toString()),
                    List.of(old.base),
                    List.of(old.base + "/oauth2/introspect"),
                    List.of(old.base, oldToken.toString()))) {
                var ok = TokenResponse.parse(
                        new TokenRequest(oldToken, rs256(claims(id, aud, exp), rsa), new ClientCredentialsGrant(), null)
                                .toHTTPRequest()
                                .send());
                assertThat(ok.indicatesSuccess()).as(aud.toString()).isTrue();
            }
            var other = TokenResponse.parse(new TokenRequest(
                            oldToken,
                            rs256(claims(id, List.of("https://other.example/oauth2/token"), exp), rsa),
                            new ClientCredentialsGrant(),
                            null)
                    .toHTTPRequest()
                    .send());
            assertInvalidClient(other, "issuer or one of its endpoints");
        }
    }

    @Test
    void whenIssuerIsNotTheClient_thenInvalidClient() throws Exception {
        ClientID id = register();
        var claims = new JWTClaimsSet.Builder()
                .issuer("someone-else")
                .subject(id.getValue())
                .audience(server.base)
                .expirationTime(Date.from(Instant.now().plusSeconds(60)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        var jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(), claims);
        jwt.sign(new RSASSASigner(rsa));
        var r = postAssertion(jwt.serialize());
        assertThat(r.status()).as(r.body()).isEqualTo(401);
        assertThat(r.text("error_description")).contains("iss and sub");
    }

    @Test
    void whenAnAdministratorSwitchesTheClientToASecret_thenOneIsIssuedOnceAndWorks() throws Exception {
        ClientID id = register();
        var switched = server.http
                .put("/v1/admin/clients/" + id.getValue())
                .bearer(admin)
                .json(metadata(Map.of("token_endpoint_auth_method", "client_secret_basic")))
                .send();
        assertThat(switched.status()).as(switched.body()).isEqualTo(200);
        String secret = switched.text("client_secret");
        assertThat(secret).startsWith("gcs_");
        assertThat(token(new com.nimbusds.oauth2.sdk.auth.ClientSecretBasic(
                                id, new com.nimbusds.oauth2.sdk.auth.Secret(secret)))
                        .indicatesSuccess())
                .isTrue();
        // Shown once: a read does not repeat it, and an update that keeps the method keeps the secret.
        assertThat(server.http
                        .get("/v1/admin/clients/" + id.getValue())
                        .bearer(admin)
                        .send()
                        .json()
                        .has("client_secret"))
                .isFalse();

        // Back to keys: the secret stops authenticating.
        var back = server.http
                .put("/v1/admin/clients/" + id.getValue())
                .bearer(admin)
                .json(metadata(Map.of("jwks", jwks(rsa.toPublicJWK()))))
                .send();
        assertThat(back.status()).as(back.body()).isEqualTo(200);
        assertThat(back.json().has("client_secret")).isFalse();
        assertInvalidClient(
                token(new com.nimbusds.oauth2.sdk.auth.ClientSecretBasic(
                        id, new com.nimbusds.oauth2.sdk.auth.Secret(secret))),
                "");
    }

    @Test
    void whenAlgIsNoneOrHmac_thenRefusedBeforeAnySignatureCheck() throws Exception {
        ClientID id = register();
        var claims = assertionClaims(id);
        var none = postAssertion(new PlainJWT(claims).serialize());
        assertThat(none.status()).as(none.body()).isEqualTo(401);
        assertThat(none.text("error")).isEqualTo("invalid_client");

        // HS256 keyed with the client's public RSA modulus bytes: the classic key-confusion attempt.
        var hs = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims);
        hs.sign(new MACSigner(rsa.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
        var hmac = postAssertion(hs.serialize());
        assertThat(hmac.status()).as(hmac.body()).isEqualTo(401);
        assertThat(hmac.text("error_description")).contains("must be signed with one of");
    }

    @Test
    void whenRegistering_thenKeysMustBeInlinePublicAndStrong() throws Exception {
        var uri = registerRaw(Map.of("jwks_uri", "https://client.example/jwks.json"));
        assertThat(uri.status()).as(uri.body()).isEqualTo(422);
        assertThat(uri.body()).contains("invalid_client_metadata", "jwks_uri is not supported");

        var missing = registerRaw(Map.of());
        assertThat(missing.status()).as(missing.body()).isEqualTo(422);
        assertThat(missing.body()).contains("jwks");

        var secretKey = registerRaw(Map.of("jwks", jwks(rsa)));
        assertThat(secretKey.status()).as(secretKey.body()).isEqualTo(422);
        assertThat(secretKey.body())
                .contains("private part")
                .doesNotContain(rsa.getPrivateExponent().toString());

        var weak = registerRaw(
                Map.of("jwks", jwks(new RSAKeyGenerator(1024, true).generate().toPublicJWK())));
        assertThat(weak.status()).as(weak.body()).isEqualTo(422);
        assertThat(weak.body()).contains("2048");

        var hsAlg = registerRaw(Map.of("jwks", jwks(rsa.toPublicJWK()), "token_endpoint_auth_signing_alg", "HS256"));
        assertThat(hsAlg.status()).as(hsAlg.body()).isEqualTo(422);
    }

    @Test
    void whenClientPinsItsSigningAlg_thenOtherAlgsAreRefused() throws Exception {
        var r = registerCreated(
                Map.of("jwks", jwks(rsa.toPublicJWK(), ec.toPublicJWK()), "token_endpoint_auth_signing_alg", "ES256"));
        ClientID id = new ClientID(r.text("client_id"));
        assertInvalidClient(
                token(new PrivateKeyJWT(id, issuer, JWSAlgorithm.RS256, rsa.toPrivateKey(), "rsa-1", null)),
                "token_endpoint_auth_signing_alg");
        assertThat(token(new PrivateKeyJWT(id, issuer, JWSAlgorithm.ES256, ec.toPrivateKey(), "ec-1", null))
                        .indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenDiscovering_thenPrivateKeyJwtAndItsAlgorithmsAreAdvertised() {
        for (String path : List.of("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")) {
            var d = server.http.get(path).send().json();
            for (String endpoint : List.of("token", "revocation", "introspection")) {
                assertThat(d.get(endpoint + "_endpoint_auth_methods_supported").toString())
                        .contains("private_key_jwt");
                assertThat(d.get(endpoint + "_endpoint_auth_signing_alg_values_supported")
                                .toString())
                        .contains("RS256", "PS256", "ES256", "EdDSA", "Ed25519")
                        .doesNotContain("HS256", "none");
            }
        }
    }
}
