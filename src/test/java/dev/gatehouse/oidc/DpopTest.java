package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.AccessTokenType;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.UserInfoRequest;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
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

/** DPoP (RFC 9449) at the token endpoint and userinfo, with proofs built by Nimbus's DefaultDPoPProofFactory. */
@ServerTest
class DpopTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static TestServer server;
    static String admin;
    static URI tokenUri;
    static URI userinfoUri;
    static ECKey key;
    static DefaultDPoPProofFactory proofs;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
        server.createScopes("jobs:run");
        admin = server.adminToken();
        tokenUri = URI.create(server.base + "/oauth2/token");
        userinfoUri = URI.create(server.base + "/oauth2/userinfo");
        key = new ECKeyGenerator(Curve.P_256).generate();
        proofs = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String jkt(ECKey k) throws Exception {
        return k.computeThumbprint("SHA-256").toString();
    }

    static ClientSecretBasic confidential(Map<String, Object> extra) {
        var body = new java.util.LinkedHashMap<String, Object>(map(
                "client_name",
                "dpop job",
                "grant_types",
                List.of("client_credentials"),
                "token_endpoint_auth_method",
                "client_secret_basic",
                "scope",
                "jobs:run"));
        body.putAll(extra);
        var r = server.registerClientAs(admin, body);
        return new ClientSecretBasic(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
    }

    static ClientID publicClient() {
        var r = server.registerClientAs(
                admin,
                map(
                        "client_name",
                        "spa",
                        "grant_types",
                        List.of("authorization_code", "refresh_token"),
                        "redirect_uris",
                        List.of(CALLBACK.toString()),
                        "token_endpoint_auth_method",
                        "none",
                        "scope",
                        "openid email offline_access"));
        return new ClientID(r.text("client_id"));
    }

    static HTTPResponse send(TokenRequest request, SignedJWT proof) throws Exception {
        var http = request.toHTTPRequest();
        if (proof != null) http.setDPoP(proof);
        return http.send();
    }

    static TokenResponse clientCredentials(ClientSecretBasic client, SignedJWT proof) throws Exception {
        return TokenResponse.parse(send(new TokenRequest(tokenUri, client, new ClientCredentialsGrant(), null), proof));
    }

    static void assertTokenError(HTTPResponse r, String code, String hint) {
        assertThat(r.getStatusCode()).as(r.getBody()).isEqualTo(400);
        assertThat(r.getBody()).contains("\"" + code + "\"", hint);
    }

    static JsonNode introspect(ClientSecretBasic client, String token) {
        String basic = java.util.Base64.getEncoder()
                .encodeToString((client.getClientID().getValue() + ":"
                                + client.getClientSecret().getValue())
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return server.http
                .post("/oauth2/introspect")
                .header("Authorization", "Basic " + basic)
                .raw("application/x-www-form-urlencoded", "token=" + token)
                .send()
                .json();
    }

    @Test
    void whenTokenRequestCarriesAProof_thenTheAccessTokenIsBoundToItsKey() throws Exception {
        var client = confidential(Map.of());
        var response = clientCredentials(client, proofs.createDPoPJWT("POST", tokenUri));
        assertThat(response.indicatesSuccess()).isTrue();
        AccessToken at = response.toSuccessResponse().getTokens().getAccessToken();
        assertThat(at).isInstanceOf(DPoPAccessToken.class);
        assertThat(at.getType()).isEqualTo(AccessTokenType.DPOP);
        var cnf = SignedJWT.parse(at.getValue()).getJWTClaimsSet().getJSONObjectClaim("cnf");
        assertThat(cnf).containsEntry("jkt", jkt(key));

        var introspection = introspect(client, at.getValue());
        assertThat(introspection.get("active").asBoolean()).isTrue();
        assertThat(introspection.get("token_type").asText()).isEqualTo("DPoP");
        assertThat(introspection.get("cnf").get("jkt").asText()).isEqualTo(jkt(key));

        // Without a proof the same client still gets a plain bearer token.
        var bearer =
                clientCredentials(client, null).toSuccessResponse().getTokens().getAccessToken();
        assertThat(bearer.getType()).isEqualTo(AccessTokenType.BEARER);
        assertThat(introspect(client, bearer.getValue()).get("token_type").asText())
                .isEqualTo("Bearer");
    }

    @Test
    void whenProofIsSignedWithEdDsaOrRsa_thenTheTokenIsBoundToThatKey() throws Exception {
        var client = confidential(Map.of());
        var ed = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        var rsa = new RSAKeyGenerator(2048).generate();
        for (var factory : List.of(
                new DefaultDPoPProofFactory(ed, JWSAlgorithm.EdDSA),
                new DefaultDPoPProofFactory(rsa, JWSAlgorithm.PS256))) {
            var response = clientCredentials(client, factory.createDPoPJWT("POST", tokenUri));
            assertThat(response.indicatesSuccess()).isTrue();
            AccessToken at = response.toSuccessResponse().getTokens().getAccessToken();
            assertThat(SignedJWT.parse(at.getValue()).getJWTClaimsSet().getJSONObjectClaim("cnf"))
                    .containsEntry(
                            "jkt",
                            factory.getPublicJWK().computeThumbprint("SHA-256").toString());
        }
    }

    @Test
    void whenProofIsReplayedOrForAnotherRequest_thenInvalidDpopProof() throws Exception {
        var client = confidential(Map.of());
        var proof = proofs.createDPoPJWT("POST", tokenUri);
        var grant = new TokenRequest(tokenUri, client, new ClientCredentialsGrant(), null);
        assertThat(send(grant, proof).getStatusCode()).isEqualTo(200);
        assertTokenError(send(grant, proof), "invalid_dpop_proof", "already used");

        assertTokenError(
                send(grant, proofs.createDPoPJWT("POST", URI.create(server.base + "/oauth2/revoke"))),
                "invalid_dpop_proof",
                "htu");
        assertTokenError(send(grant, proofs.createDPoPJWT("GET", tokenUri)), "invalid_dpop_proof", "htm");
        // htu is compared after normalisation, ignoring the query part (RFC 9449 §4.3).
        var claims = new JWTClaimsSet.Builder()
                .jwtID(UUID.randomUUID().toString())
                .claim("htm", "POST")
                .claim("htu", tokenUri.toString().replace("http://", "HTTP://") + "?x=1")
                .issueTime(Date.from(Instant.now()))
                .build();
        var normalised = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256)
                        .type(new JOSEObjectType("dpop+jwt"))
                        .jwk(key.toPublicJWK())
                        .build(),
                claims);
        normalised.sign(new ECDSASigner(key));
        assertThat(send(grant, normalised).getStatusCode()).isEqualTo(200);
    }

    @Test
    void whenProofIsStaleOrMalformed_thenInvalidDpopProof() throws Exception {
        var client = confidential(Map.of());
        var grant = new TokenRequest(tokenUri, client, new ClientCredentialsGrant(), null);
        var old = proofs.createDPoPJWT(
                new com.nimbusds.oauth2.sdk.id.JWTID(),
                "POST",
                tokenUri,
                Date.from(server.clock.instant().minus(Duration.ofMinutes(10))),
                null);
        assertTokenError(send(grant, old), "invalid_dpop_proof", "iat");

        var claims = new JWTClaimsSet.Builder()
                .jwtID(UUID.randomUUID().toString())
                .claim("htm", "POST")
                .claim("htu", tokenUri.toString())
                .issueTime(Date.from(Instant.now()))
                .build();
        // The private key in the header (Nimbus will not build that, so by hand).
        var header = new java.util.LinkedHashMap<String, Object>(
                map("typ", "dpop+jwt", "alg", "ES256", "jwk", key.toJSONObject()));
        String signingInput = Base64URL.encode(com.nimbusds.jose.util.JSONObjectUtils.toJSONString(header)) + "."
                + Base64URL.encode(claims.toString());
        Base64URL signature = new ECDSASigner(key)
                .sign(new JWSHeader(JWSAlgorithm.ES256), signingInput.getBytes(StandardCharsets.US_ASCII));
        String basic = java.util.Base64.getEncoder()
                .encodeToString((client.getClientID().getValue() + ":"
                                + client.getClientSecret().getValue())
                        .getBytes(StandardCharsets.UTF_8));
        var leaky = server.http
                .post("/oauth2/token")
                .header("Authorization", "Basic " + basic)
                .header("DPoP", signingInput + "." + signature)
                .raw("application/x-www-form-urlencoded", "grant_type=client_credentials")
                .send();
        assertThat(leaky.status()).as(leaky.body()).isEqualTo(400);
        assertThat(leaky.text("error")).isEqualTo("invalid_dpop_proof");
        // A plain JWT typ.
        var wrongType = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256)
                        .type(JOSEObjectType.JWT)
                        .jwk(key.toPublicJWK())
                        .build(),
                claims);
        wrongType.sign(new ECDSASigner(key));
        assertTokenError(send(grant, wrongType), "invalid_dpop_proof", "typ");
        // Signed by another key than the one in the header.
        var other = new ECKeyGenerator(Curve.P_256).generate();
        var forged = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256)
                        .type(new JOSEObjectType("dpop+jwt"))
                        .jwk(key.toPublicJWK())
                        .build(),
                claims);
        forged.sign(new ECDSASigner(other));
        assertTokenError(send(grant, forged), "invalid_dpop_proof", "signature");
    }

    @Test
    void whenClientRequiresDpop_thenARequestWithoutProofIsRefused() throws Exception {
        var client = confidential(Map.of("dpop_bound_access_tokens", true));
        assertTokenError(
                send(new TokenRequest(tokenUri, client, new ClientCredentialsGrant(), null), null),
                "invalid_dpop_proof",
                "must send a DPoP proof");
        assertThat(clientCredentials(client, proofs.createDPoPJWT("POST", tokenUri))
                        .indicatesSuccess())
                .isTrue();
    }

    record Signed(ClientID client, Tokens tokens) {}

    /** A public client's sign-in through the hosted pages, redeeming the code with a DPoP proof. */
    static Signed signIn() throws Exception {
        return signIn(true);
    }

    /** The same, redeeming the code with a DPoP proof or without one. */
    static Signed signIn(boolean proofAtRedemption) throws Exception {
        ClientID client = publicClient();
        var verifier = new CodeVerifier();
        var code = codeFor(authorization(client, verifier)
                .scope(new Scope("openid", "email", "offline_access"))
                .build()
                .toURI());
        var response = TokenResponse.parse(
                redeem(client, code, verifier, proofAtRedemption ? proofs.createDPoPJWT("POST", tokenUri) : null));
        assertThat(response.indicatesSuccess()).isTrue();
        return new Signed(client, response.toSuccessResponse().getTokens());
    }

    /** A new user's code for an authorization request, through the hosted pages of a fresh browser. */
    static AuthorizationCode codeFor(URI authorizationRequest) throws Exception {
        String email = "u" + System.nanoTime() + "@example.com";
        server.register(email, PASSWORD);
        var b = new Browser(server.base);
        var r = b.follow(b.get(authorizationRequest));
        if (r.statusCode() == 200 && r.body().contains("name=\"password\"")) r = b.signIn(r, email, PASSWORD);
        if (r.statusCode() == 200 && r.body().contains("name=\"decision\"")) r = b.consent(r, "allow");
        assertThat(r.statusCode()).as(r.body()).isIn(302, 303);
        return AuthorizationResponse.parse(Browser.location(r))
                .toSuccessResponse()
                .getAuthorizationCode();
    }

    static AuthenticationRequest.Builder authorization(ClientID client, CodeVerifier verifier) {
        return new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid", "email"), client, CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256);
    }

    static HTTPResponse redeem(ClientID client, AuthorizationCode code, CodeVerifier verifier, SignedJWT proof)
            throws Exception {
        return send(
                new TokenRequest.Builder(tokenUri, client, new AuthorizationCodeGrant(code, CALLBACK, verifier))
                        .build(),
                proof);
    }

    @Test
    void whenTheAuthorizationRequestNamesADpopKey_thenOnlyAProofOfThatKeyRedeemsTheCode() throws Exception {
        // RFC 9449 §10: dpop_jkt binds the code; a stolen code is no use without the key.
        ClientID client = publicClient();
        var otherKey = new ECKeyGenerator(Curve.P_256).generate();
        var others = new DefaultDPoPProofFactory(otherKey, JWSAlgorithm.ES256);
        SignedJWT[] attempts = {null, others.createDPoPJWT("POST", tokenUri)};
        for (SignedJWT proof : attempts) {
            var verifier = new CodeVerifier();
            var code = codeFor(authorization(client, verifier)
                    .customParameter("dpop_jkt", jkt(key))
                    .build()
                    .toURI());
            assertTokenError(redeem(client, code, verifier, proof), "invalid_dpop_proof", "DPoP");
        }
        var verifier = new CodeVerifier();
        var code = codeFor(authorization(client, verifier)
                .customParameter("dpop_jkt", jkt(key))
                .build()
                .toURI());
        var ok = TokenResponse.parse(redeem(client, code, verifier, proofs.createDPoPJWT("POST", tokenUri)));
        assertThat(ok.indicatesSuccess()).isTrue();
        assertThat(ok.toSuccessResponse().getTokens().getAccessToken().getType())
                .isEqualTo(AccessTokenType.DPOP);

        // A value that is no thumbprint is refused at the authorization endpoint, back to the client.
        var b = new Browser(server.base);
        var malformed = b.get(authorization(client, new CodeVerifier())
                .customParameter("dpop_jkt", "not a thumbprint")
                .build()
                .toURI());
        assertThat(malformed.statusCode()).isIn(302, 303);
        var error = AuthorizationResponse.parse(Browser.location(malformed)).toErrorResponse();
        assertThat(error.getErrorObject().getCode()).isEqualTo("invalid_request");
        assertThat(error.getErrorObject().getDescription()).contains("dpop_jkt");
    }

    static HTTPResponse push(ClientID client, CodeVerifier verifier, SignedJWT proof, String dpopJkt) throws Exception {
        var request = authorization(client, verifier);
        if (dpopJkt != null) request.customParameter("dpop_jkt", dpopJkt);
        var http = new com.nimbusds.oauth2.sdk.PushedAuthorizationRequest(
                        URI.create(server.base + "/oauth2/par"), request.build())
                .toHTTPRequest();
        if (proof != null) http.setDPoP(proof);
        return http.send();
    }

    static AuthorizationCode codeForPushed(ClientID client, HTTPResponse pushed) throws Exception {
        assertThat(pushed.getStatusCode()).as(pushed.getBody()).isEqualTo(201);
        var requestUri = com.nimbusds.oauth2.sdk.PushedAuthorizationResponse.parse(pushed)
                .toSuccessResponse()
                .getRequestURI();
        return codeFor(new com.nimbusds.oauth2.sdk.AuthorizationRequest.Builder(requestUri, client)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .build()
                .toURI());
    }

    @Test
    void whenAPushedRequestCarriesAProof_thenTheCodeIsBoundToItsKey() throws Exception {
        // RFC 9449 §10.1: a DPoP proof at the PAR endpoint binds the code as dpop_jkt would.
        ClientID client = publicClient();
        URI par = URI.create(server.base + "/oauth2/par");
        var others = new DefaultDPoPProofFactory(new ECKeyGenerator(Curve.P_256).generate(), JWSAlgorithm.ES256);

        var verifier = new CodeVerifier();
        var code = codeForPushed(client, push(client, verifier, proofs.createDPoPJWT("POST", par), null));
        assertTokenError(
                redeem(client, code, verifier, others.createDPoPJWT("POST", tokenUri)), "invalid_dpop_proof", "key");

        verifier = new CodeVerifier();
        code = codeForPushed(client, push(client, verifier, proofs.createDPoPJWT("POST", par), jkt(key)));
        var ok = TokenResponse.parse(redeem(client, code, verifier, proofs.createDPoPJWT("POST", tokenUri)));
        assertThat(ok.indicatesSuccess()).isTrue();

        // A proof for another endpoint, and a dpop_jkt naming another key than the proof's, are refused.
        assertTokenError(
                push(client, new CodeVerifier(), proofs.createDPoPJWT("POST", tokenUri), null),
                "invalid_dpop_proof",
                "htu");
        var otherKey = new ECKeyGenerator(Curve.P_256).generate();
        assertTokenError(
                push(client, new CodeVerifier(), proofs.createDPoPJWT("POST", par), jkt(otherKey)),
                "invalid_dpop_proof",
                "dpop_jkt");
    }

    static HTTPResponse userinfo(AccessToken token, SignedJWT proof) throws Exception {
        var http = new UserInfoRequest(userinfoUri, token).toHTTPRequest();
        if (proof != null) http.setDPoP(proof);
        return http.send();
    }

    @Test
    void whenUserinfoIsCalledWithADpopToken_thenItNeedsTheSchemeAndAProofOfTheKey() throws Exception {
        var signed = signIn();
        AccessToken at = signed.tokens().getAccessToken();
        assertThat(at).isInstanceOf(DPoPAccessToken.class);

        var ok = userinfo(at, proofs.createDPoPJWT("GET", userinfoUri, at));
        assertThat(ok.getStatusCode()).as(ok.getBody()).isEqualTo(200);
        assertThat(ok.getBodyAsJSONObject()).containsKey("email");

        // The same token as a bearer token is refused, and the challenge names the DPoP scheme.
        var asBearer = userinfo(new BearerAccessToken(at.getValue()), null);
        assertThat(asBearer.getStatusCode()).isEqualTo(401);
        assertThat(asBearer.getHeaderValues("WWW-Authenticate"))
                .anySatisfy(h -> assertThat(h).startsWith("DPoP").contains("invalid_token", "algs="));
        // So is it as a bearer token in a form body (RFC 6750 §2.2).
        var inBody = server.http
                .post("/oauth2/userinfo")
                .raw("application/x-www-form-urlencoded", "access_token=" + at.getValue())
                .send();
        assertThat(inBody.status()).isEqualTo(401);
        assertThat(inBody.header("WWW-Authenticate")).startsWith("DPoP").contains("invalid_token");

        var replay = proofs.createDPoPJWT("GET", userinfoUri, at);
        assertThat(userinfo(at, replay).getStatusCode()).isEqualTo(200);
        var replayed = userinfo(at, replay);
        assertThat(replayed.getStatusCode()).isEqualTo(401);
        assertThat(replayed.getHeaderValue("WWW-Authenticate")).contains("invalid_dpop_proof");

        var noAth = userinfo(at, proofs.createDPoPJWT("GET", userinfoUri));
        assertThat(noAth.getStatusCode()).isEqualTo(401);
        assertThat(noAth.getBody()).contains("ath");

        var otherKey = new DefaultDPoPProofFactory(new ECKeyGenerator(Curve.P_256).generate(), JWSAlgorithm.ES256);
        var stolen = userinfo(at, otherKey.createDPoPJWT("GET", userinfoUri, at));
        assertThat(stolen.getStatusCode()).isEqualTo(401);
        assertThat(stolen.getHeaderValue("WWW-Authenticate")).startsWith("DPoP").contains("invalid_token");

        var wrongMethod = userinfo(at, proofs.createDPoPJWT("POST", userinfoUri, at));
        assertThat(wrongMethod.getStatusCode()).isEqualTo(401);
    }

    @Test
    void whenPublicClientRefreshes_thenTheRefreshTokenNeedsTheSameKey() throws Exception {
        var signed = signIn();
        RefreshToken rt = signed.tokens().getRefreshToken();
        assertThat(rt).isNotNull();
        var grant = refresh(signed.client(), rt);

        assertTokenError(send(grant, null), "invalid_dpop_proof", "needs a DPoP proof");
        var otherKey = new DefaultDPoPProofFactory(new ECKeyGenerator(Curve.P_256).generate(), JWSAlgorithm.ES256);
        assertTokenError(send(grant, otherKey.createDPoPJWT("POST", tokenUri)), "invalid_grant", "another DPoP key");

        // Neither refusal spent the token: its owner refreshes with the bound key.
        var refreshed = TokenResponse.parse(send(grant, proofs.createDPoPJWT("POST", tokenUri)));
        assertThat(refreshed.indicatesSuccess()).isTrue();
        AccessToken at = refreshed.toSuccessResponse().getTokens().getAccessToken();
        assertThat(at.getType()).isEqualTo(AccessTokenType.DPOP);
        assertThat(SignedJWT.parse(at.getValue()).getJWTClaimsSet().getJSONObjectClaim("cnf"))
                .containsEntry("jkt", jkt(key));
    }

    @Test
    void whenAPublicClientFirstProvesAKeyAtARefresh_thenItsNextRefreshTokenIsBoundToThatKey() throws Exception {
        var signed = signIn(false);
        assertThat(signed.tokens().getAccessToken().getType()).isEqualTo(AccessTokenType.BEARER);
        var first = refresh(signed.client(), signed.tokens().getRefreshToken());
        var proven = TokenResponse.parse(send(first, proofs.createDPoPJWT("POST", tokenUri)));
        assertThat(proven.indicatesSuccess()).isTrue();
        var tokens = proven.toSuccessResponse().getTokens();
        assertThat(tokens.getAccessToken().getType()).isEqualTo(AccessTokenType.DPOP);

        // RFC 9449 §5: the refresh token a public client got with a proof is bound to that key from then on.
        var next = refresh(signed.client(), tokens.getRefreshToken());
        assertTokenError(send(next, null), "invalid_dpop_proof", "needs a DPoP proof");
        var otherKey = new DefaultDPoPProofFactory(new ECKeyGenerator(Curve.P_256).generate(), JWSAlgorithm.ES256);
        assertTokenError(send(next, otherKey.createDPoPJWT("POST", tokenUri)), "invalid_grant", "another DPoP key");
        assertThat(TokenResponse.parse(send(next, proofs.createDPoPJWT("POST", tokenUri)))
                        .indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenAThiefRefreshesFirstWithAKeyOfItsOwn_thenTheOwnersReuseStillEndsTheSession() throws Exception {
        // A public client without DPoP; its refresh token leaks, and the thief refreshes first, proving a key of its
        // own, which binds the session to that key (RFC 9449 §5).
        var signed = signIn(false);
        var stolen = refresh(signed.client(), signed.tokens().getRefreshToken());
        var thief = new DefaultDPoPProofFactory(new ECKeyGenerator(Curve.P_256).generate(), JWSAlgorithm.ES256);
        var thiefs = TokenResponse.parse(send(stolen, thief.createDPoPJWT("POST", tokenUri)));
        assertThat(thiefs.indicatesSuccess()).isTrue();
        var thiefsNext =
                refresh(signed.client(), thiefs.toSuccessResponse().getTokens().getRefreshToken());

        // The owner comes back with the spent token, without the thief's key: the reuse is detected all the same
        // (RFC 9700 §4.14.2), and the session ends.
        assertTokenError(send(stolen, null), "invalid_grant", "invalid refresh token");
        assertTokenError(send(thiefsNext, thief.createDPoPJWT("POST", tokenUri)), "invalid_grant", "refresh token");

        // Likewise when the owner presents the spent token with a key of its own.
        var other = signIn(false);
        var spent = refresh(other.client(), other.tokens().getRefreshToken());
        var first = TokenResponse.parse(send(spent, thief.createDPoPJWT("POST", tokenUri)));
        assertThat(first.indicatesSuccess()).isTrue();
        assertTokenError(send(spent, proofs.createDPoPJWT("POST", tokenUri)), "invalid_grant", "invalid refresh token");
        var after =
                refresh(other.client(), first.toSuccessResponse().getTokens().getRefreshToken());
        assertTokenError(send(after, thief.createDPoPJWT("POST", tokenUri)), "invalid_grant", "refresh token");
    }

    /** A refresh request of a public client. */
    static TokenRequest refresh(ClientID client, RefreshToken token) {
        return new TokenRequest.Builder(tokenUri, client, new RefreshTokenGrant(token)).build();
    }

    @Test
    void whenDiscovering_thenDpopAlgorithmsAreAdvertised() {
        for (String path : List.of("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")) {
            var d = server.http.get(path).send().json();
            assertThat(d.get("dpop_signing_alg_values_supported").toString())
                    .contains("ES256", "RS256", "PS256", "EdDSA")
                    .doesNotContain("HS256");
        }
    }
}
