package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.AuthenticationResponseParser;
import com.nimbusds.openid.connect.sdk.AuthenticationSuccessResponse;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.CodeHash;
import com.nimbusds.openid.connect.sdk.claims.StateHash;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hybrid flow {@code response_type=code id_token} (OIDC Core §3.3), driven by the Nimbus SDK: the ID token from
 * the authorization endpoint is validated as a relying party would (signature from the JWKS, iss, aud, nonce) and its
 * {@code c_hash} and {@code s_hash} checked against the code and state; the code then redeems as in the code flow, into
 * the session the first ID token named.
 */
@ServerTest
class HybridFlowTest {
    /** OIDC Registration §2: a web client using the implicit grant (code id_token here) redirects to https only. */
    static final URI CALLBACK = URI.create("https://app.example.com/cb");

    static final String PASSWORD = "Correct-Horse-Battery-9";
    static final ResponseType CODE_ID_TOKEN = ResponseType.CODE_IDTOKEN;
    /** Nimbus picks the c_hash / s_hash digest from the alg, and from the curve only for EdDSA: RS256 has none. */
    static final Curve NO_CURVE = null;

    static TestServer server;
    static String admin;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Client(ClientID id, Secret secret) {}

    static Client register(List<String> responseTypes) {
        // OIDC Registration §2: code id_token needs implicit beside authorization_code in grant_types.
        var grantTypes = responseTypes.contains("code id_token")
                ? List.of("authorization_code", "implicit")
                : List.of("authorization_code");
        var body = new LinkedHashMap<String, Object>(map(
                "client_name",
                "hybrid app",
                "grant_types",
                grantTypes,
                "response_types",
                responseTypes,
                "redirect_uris",
                List.of(CALLBACK.toString()),
                "token_endpoint_auth_method",
                "client_secret_basic",
                "scope",
                "openid email"));
        var r = server.registerClientAs(admin, body);
        return new Client(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
    }

    static AuthenticationRequest.Builder request(Client c, ResponseType type, CodeVerifier verifier) {
        return new AuthenticationRequest.Builder(type, new Scope("openid", "email"), c.id(), CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .codeChallenge(verifier, CodeChallengeMethod.S256);
    }

    /** The browser part: sign in (and consent) when asked; the first response that leaves the server. */
    static java.net.http.HttpResponse<String> browse(URI request, String email) throws Exception {
        var b = new Browser(server.base);
        var r = b.follow(b.get(request));
        if (r.statusCode() == 200 && r.body().contains("name=\"password\"")) r = b.signIn(r, email, PASSWORD);
        if (r.statusCode() == 200 && r.body().contains("name=\"decision\"")) r = b.consent(r, "allow");
        return r;
    }

    static String newUser() {
        return server.register("h" + System.nanoTime() + "@example.com", PASSWORD);
    }

    static JWTClaimsSet validate(com.nimbusds.jwt.JWT idToken, Client c, Nonce nonce) throws Exception {
        var validator = new IDTokenValidator(
                new Issuer(server.base),
                c.id(),
                JWSAlgorithm.RS256,
                URI.create(server.base + "/.well-known/jwks.json").toURL());
        return validator.validate(idToken, nonce).toJWTClaimsSet();
    }

    @Test
    void whenAClientRegisteredOnlyForCodeIdTokenAsksForCode_thenItIsUnauthorizedClient() throws Exception {
        // RFC 7591 §2: a client restricts itself to the response types it registered.
        var client = register(List.of("code id_token"));
        var r = new Browser(server.base)
                .get(request(client, ResponseType.CODE, new CodeVerifier())
                        .build()
                        .toURI());
        assertThat(r.statusCode()).isEqualTo(302);
        var error = AuthorizationResponse.parse(Browser.location(r)).toErrorResponse();
        assertThat(error.getErrorObject().getCode()).isEqualTo("unauthorized_client");
    }

    @Test
    void whenAHybridRequestRepeatsAParameter_thenTheErrorGoesInTheFragmentOrTheFormAsAsked() throws Exception {
        var client = register(List.of("code", "code id_token"));
        URI uri = request(client, CODE_ID_TOKEN, new CodeVerifier())
                .nonce(new Nonce())
                .build()
                .toURI();
        // OIDC Core §3.3.2.6: a hybrid request's error never goes in the query, even one found before the rest.
        var repeated = new Browser(server.base).get(URI.create(uri + "&nonce=again"));
        URI location = Browser.location(repeated);
        assertThat(location.getRawQuery()).isNull();
        assertThat(location.getRawFragment()).contains("error=invalid_request");
        // Form Post Response Mode §2: a requested form_post carries the error too.
        var posted = new Browser(server.base).get(URI.create(uri + "&response_mode=form_post&scope=again"));
        assertThat(posted.statusCode()).isEqualTo(200);
        assertThat(posted.body())
                .contains("<form method=\"post\" action=\"" + CALLBACK + "\">")
                .contains("name=\"error\" value=\"invalid_request\"");
    }

    @Test
    void whenARegisteredClientAsksForCodeIdToken_thenTheFragmentCarriesAnIdTokenBoundToCodeAndState() throws Exception {
        var client = register(List.of("code", "code id_token"));
        String email = newUser();
        var verifier = new CodeVerifier();
        var nonce = new Nonce();
        var req = request(client, CODE_ID_TOKEN, verifier).nonce(nonce).build();

        var r = browse(req.toURI(), email);
        assertThat(r.statusCode()).as(r.body()).isIn(302, 303);
        URI location = Browser.location(r);
        // OIDC Core §3.3.2.5: the default response mode of this response type is the fragment, never the query.
        assertThat(location.getRawQuery()).isNull();
        assertThat(location.getRawFragment()).contains("code=", "id_token=", "state=");
        var response = (AuthenticationSuccessResponse) AuthenticationResponseParser.parse(location);
        assertThat(response.getState()).isEqualTo(req.getState());
        AuthorizationCode code = response.getAuthorizationCode();

        JWTClaimsSet front = validate(response.getIDToken(), client, nonce);
        assertThat(front.getStringClaim("c_hash"))
                .isEqualTo(CodeHash.compute(code, JWSAlgorithm.RS256, NO_CURVE).getValue());
        assertThat(front.getStringClaim("s_hash"))
                .isEqualTo(StateHash.compute(req.getState(), JWSAlgorithm.RS256, NO_CURVE)
                        .getValue());
        assertThat(front.getClaim("at_hash"))
                .as("no access token in the front channel")
                .isNull();
        assertThat(front.getClaim("email"))
                .as("profile claims come from userinfo (§5.4)")
                .isNull();
        assertThat(front.getStringListClaim("amr")).containsExactly("pwd");
        assertThat(front.getClaim("auth_time")).isNotNull();

        var token = OIDCTokenResponseParser.parse(new TokenRequest.Builder(
                        URI.create(server.base + "/oauth2/token"),
                        new ClientSecretBasic(client.id(), client.secret()),
                        new AuthorizationCodeGrant(code, CALLBACK, verifier))
                .build()
                .toHTTPRequest()
                .send());
        assertThat(token.indicatesSuccess()).as(String.valueOf(token)).isTrue();
        JWTClaimsSet back = validate(((OIDCTokenResponse) token).getOIDCTokens().getIDToken(), client, nonce);
        assertThat(back.getSubject()).isEqualTo(front.getSubject());
        assertThat(back.getStringClaim("sid"))
                .as("the session the code opened is the one the first ID token named")
                .isEqualTo(front.getStringClaim("sid"));
        assertThat(back.getStringClaim("at_hash")).isNotNull();

        // The code stays single use: a second redemption fails and ends that session.
        var again = OIDCTokenResponseParser.parse(new TokenRequest.Builder(
                        URI.create(server.base + "/oauth2/token"),
                        new ClientSecretBasic(client.id(), client.secret()),
                        new AuthorizationCodeGrant(code, CALLBACK, verifier))
                .build()
                .toHTTPRequest()
                .send());
        assertThat(again.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_grant");
    }

    @Test
    void whenFormPostIsAsked_thenThePageCarriesTheIdTokenToTheClient() throws Exception {
        var client = register(List.of("code id_token"));
        var nonce = new Nonce();
        var req = request(client, CODE_ID_TOKEN, new CodeVerifier())
                .nonce(nonce)
                .responseMode(ResponseMode.FORM_POST)
                .build();
        var r = browse(req.toURI(), newUser());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("action=\"" + CALLBACK + "\"", "name=\"code\"", "name=\"state\"");
        var idToken = com.nimbusds.jwt.JWTParser.parse(Browser.hidden(r.body(), "id_token"));
        var claims = validate(idToken, client, nonce);
        assertThat(claims.getStringClaim("c_hash"))
                .isEqualTo(CodeHash.compute(
                                new AuthorizationCode(Browser.hidden(r.body(), "code")), JWSAlgorithm.RS256, NO_CURVE)
                        .getValue());
    }

    static String fragmentError(AuthenticationRequest req) throws Exception {
        return fragmentError(req.toURI(), req.getState());
    }

    static String fragmentError(URI request, State state) throws Exception {
        var r = new Browser(server.base).get(request);
        URI location = Browser.location(r);
        assertThat(location.toString()).startsWith(CALLBACK.toString());
        assertThat(location.getRawQuery())
                .as("an error for this response type goes in the fragment")
                .isNull();
        var response = AuthorizationResponse.parse(location);
        assertThat(response.getState()).isEqualTo(state);
        return response.toErrorResponse().getErrorObject().getCode();
    }

    @Test
    void whenTheNonceIsMissing_thenInvalidRequestGoesBackInTheFragment() throws Exception {
        var client = register(List.of("code", "code id_token"));
        var request = URI.create(server.base + "/oauth2/authorize?response_type=code%20id_token&client_id="
                + client.id() + "&redirect_uri=" + CALLBACK + "&scope=openid&state=s1"
                + "&code_challenge=" + "a".repeat(43) + "&code_challenge_method=S256");
        assertThat(fragmentError(request, new State("s1"))).isEqualTo("invalid_request");
    }

    @Test
    void whenTheQueryModeIsAsked_thenInvalidRequestGoesBackInTheFragment() throws Exception {
        var client = register(List.of("code", "code id_token"));
        var req = request(client, CODE_ID_TOKEN, new CodeVerifier())
                .nonce(new Nonce())
                .responseMode(ResponseMode.QUERY)
                .build();
        assertThat(fragmentError(req)).isEqualTo("invalid_request");
    }

    @Test
    void whenTheClientRegisteredOnlyCode_thenItIsNotAuthorizedForCodeIdToken() throws Exception {
        var client = register(List.of("code"));
        var req = request(client, CODE_ID_TOKEN, new CodeVerifier())
                .nonce(new Nonce())
                .build();
        assertThat(fragmentError(req)).isEqualTo("unauthorized_client");
    }

    @Test
    void whenTheOpenidScopeIsMissing_thenInvalidRequest() throws Exception {
        var client = register(List.of("code", "code id_token"));
        var request = URI.create(server.base + "/oauth2/authorize?response_type=id_token%20code&client_id="
                + client.id() + "&redirect_uri=" + CALLBACK + "&scope=email&state=s2"
                + "&nonce=n&code_challenge=" + "a".repeat(43) + "&code_challenge_method=S256");
        assertThat(fragmentError(request, new State("s2"))).isEqualTo("invalid_request");
    }

    @Test
    void whenOtherResponseTypesAreAsked_thenTheyAreUnsupported() throws Exception {
        var client = register(List.of("code", "code id_token"));
        for (String type : List.of("token", "id_token", "code%20token", "code%20id_token%20token")) {
            var r = new Browser(server.base)
                    .get(URI.create(server.base + "/oauth2/authorize?response_type=" + type + "&client_id="
                            + client.id() + "&redirect_uri=" + CALLBACK + "&scope=openid&state=s3&nonce=n"
                            + "&code_challenge=" + "a".repeat(43) + "&code_challenge_method=S256"));
            var response = AuthorizationResponse.parse(Browser.location(r));
            assertThat(response.toErrorResponse().getErrorObject().getCode())
                    .as(type)
                    .isEqualTo("unsupported_response_type");
        }
    }

    @Test
    void whenATokenResponseTypeIsAsked_thenUnsupportedResponseTypeGoesBackInTheFragment() throws Exception {
        var client = register(List.of("code", "code id_token"));
        String iss = "iss=" + java.net.URLEncoder.encode(server.base, java.nio.charset.StandardCharsets.UTF_8);
        // OAuth 2.0 Multiple Response Types §5, RFC 6749 §4.2.2.1: these types answer in the fragment, errors too.
        // Read from the raw Location: AuthorizationResponse.parse would take the error from either place.
        for (String type : List.of("id_token%20token", "token")) {
            var r = new Browser(server.base)
                    .get(URI.create(server.base + "/oauth2/authorize?response_type=" + type + "&client_id="
                            + client.id() + "&redirect_uri=" + CALLBACK + "&scope=openid&state=s4&nonce=n"
                            + "&code_challenge=" + "a".repeat(43) + "&code_challenge_method=S256"));
            URI location = Browser.location(r);
            assertThat(location.toString()).as(type).startsWith(CALLBACK + "#");
            assertThat(location.getRawQuery()).as(type).isNull();
            assertThat(location.getRawFragment().split("&"))
                    .as(type)
                    .contains("error=unsupported_response_type", "state=s4", iss);
        }
        // Asking for the query with such a type is itself the error, still told in the fragment.
        var query = new Browser(server.base)
                .get(URI.create(server.base + "/oauth2/authorize?response_type=token&response_mode=query&client_id="
                        + client.id() + "&redirect_uri=" + CALLBACK + "&scope=openid&state=s5"
                        + "&code_challenge=" + "a".repeat(43) + "&code_challenge_method=S256"));
        URI location = Browser.location(query);
        assertThat(location.getRawQuery()).isNull();
        assertThat(location.getRawFragment().split("&")).contains("error=invalid_request", "state=s5", iss);
    }

    @Test
    void whenAClientRegistersAnImplicitResponseType_thenRegistrationIsRefused() {
        Map<String, Object> implicit = map(
                "client_name", "implicit",
                "grant_types", List.of("authorization_code"),
                "response_types", List.of("code", "code id_token token"),
                "redirect_uris", List.of(CALLBACK.toString()));
        var admin422 = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(implicit)
                .send();
        assertThat(admin422.status()).as(admin422.body()).isEqualTo(422);
        assertThat(admin422.text("code")).isEqualTo("invalid_client_metadata");
        var dynamic400 = server.http
                .post("/oauth2/register")
                .bearer(admin)
                .json(implicit)
                .send();
        assertThat(dynamic400.status()).as(dynamic400.body()).isEqualTo(400);
        assertThat(dynamic400.text("error")).isEqualTo("invalid_client_metadata");
        Map<String, Object> ok = map(
                "client_name", "hybrid",
                "grant_types", List.of("authorization_code", "implicit"),
                "response_types", List.of("code id_token"),
                "redirect_uris", List.of(CALLBACK.toString()));
        var created =
                server.http.post("/oauth2/register").bearer(admin).json(ok).send();
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).contains("\"code id_token\"");
    }
}
