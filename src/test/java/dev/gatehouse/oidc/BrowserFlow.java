package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ParseException;
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
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.token.OIDCTokens;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.util.function.UnaryOperator;

/**
 * A client's side of the authorization-code flow with PKCE in the real-browser tests, with Nimbus as a relying party
 * would: the authorization request it sends the browser with, and the redemption of the code the browser brings back
 * to its redirect URI.
 */
final class BrowserFlow {
    final String issuer;
    final ClientID clientId;
    /** Null for a public client, whose code is not redeemed here. */
    final Secret clientSecret;

    final URI redirectUri;
    /** What each authorization request asks for. */
    final Scope scope;

    /** An authorization request, with what the client keeps to check the answer and redeem the code. */
    record Started(AuthenticationRequest request, State state, Nonce nonce, CodeVerifier verifier) {
        /** The request as the URI the browser is sent to. */
        URI uri() {
            return request.toURI();
        }
    }

    /** The tokens a code was redeemed for, and the claims of their validated ID token. */
    record Redeemed(OIDCTokens tokens, IDTokenClaimsSet idToken) {}

    BrowserFlow(String issuer, ClientID clientId, Secret clientSecret, URI redirectUri, Scope scope) {
        this.issuer = issuer;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.redirectUri = redirectUri;
        this.scope = scope;
    }

    /**
     * The confidential client that {@code registration} (the answer of /v1/admin/clients) created, redirecting to
     * {@code redirectUri} and asking for {@code openid email}.
     */
    static BrowserFlow webClient(String issuer, HttpJson.Response registration, URI redirectUri) {
        return new BrowserFlow(
                issuer,
                new ClientID(registration.text("client_id")),
                new Secret(registration.text("client_secret")),
                redirectUri,
                new Scope("openid", "email"));
    }

    /**
     * Registers on {@code server} a confidential web client named {@code name} for the code flow, redirecting to
     * {@code redirectUri} and asking for {@code openid email}.
     */
    static BrowserFlow register(TestServer server, String name, URI redirectUri) {
        var metadata = TestServer.webClient(name, redirectUri, "openid email", "authorization_code");
        return webClient(server.base, server.registerClient(metadata), redirectUri);
    }

    /**
     * Registers on {@code server} a confidential web client named {@code name} for the code flow, redirecting to
     * {@code redirectUri}, asking for {@code openid profile email}, and coming back to {@code signedOutUri} after an
     * RP-initiated logout.
     */
    static BrowserFlow registerWithSignOut(TestServer server, String name, URI redirectUri, URI signedOutUri) {
        var metadata = TestServer.webClient(name, redirectUri, "openid profile email", "authorization_code");
        metadata.put("post_logout_redirect_uris", java.util.List.of(signedOutUri.toString()));
        return webClient(server.base, server.registerClient(metadata), redirectUri);
    }

    /** A new authorization request: response type code, a new state and nonce, an S256 challenge of a new verifier. */
    Started start() {
        return start(request -> request);
    }

    /** As {@link #start()}, with what {@code more} adds to the request (a prompt, say). */
    Started start(UnaryOperator<AuthenticationRequest.Builder> more) {
        var state = new State();
        var nonce = new Nonce();
        var verifier = new CodeVerifier();
        var request = more.apply(new AuthenticationRequest.Builder(ResponseType.CODE, scope, clientId, redirectUri)
                        .endpointURI(URI.create(issuer + "/oauth2/authorize"))
                        .state(state)
                        .nonce(nonce)
                        .codeChallenge(verifier, CodeChallengeMethod.S256))
                .build();
        return new Started(request, state, nonce, verifier);
    }

    /**
     * The code in {@code landed}, the URI the browser came back to the client with, after checking that it is a
     * successful answer to {@code started} (the same state).
     */
    AuthorizationCode code(Started started, URI landed) throws ParseException {
        var response = AuthorizationResponse.parse(landed);
        assertThat(response.indicatesSuccess()).as(landed.toString()).isTrue();
        assertThat(response.getState()).isEqualTo(started.state());
        var code = response.toSuccessResponse().getAuthorizationCode();
        assertThat(code).isNotNull();
        return code;
    }

    /**
     * Redeems the {@link #code} in {@code landed} at the token endpoint (client_secret_basic, with the PKCE verifier)
     * and validates the ID token it gets: signed with a key of the issuer's JWKS, for this client, with the request's
     * nonce.
     */
    Redeemed redeem(Started started, URI landed) throws Exception {
        var tokens = OIDCTokenResponseParser.parse(new TokenRequest.Builder(
                        URI.create(issuer + "/oauth2/token"),
                        new ClientSecretBasic(clientId, clientSecret),
                        new AuthorizationCodeGrant(code(started, landed), redirectUri, started.verifier()))
                .build()
                .toHTTPRequest()
                .send());
        assertThat(tokens.indicatesSuccess()).as(tokens.toString()).isTrue();
        var ok = ((OIDCTokenResponse) tokens.toSuccessResponse()).getOIDCTokens();
        var validator = new IDTokenValidator(
                new Issuer(issuer),
                clientId,
                JWSAlgorithm.RS256,
                URI.create(issuer + "/.well-known/jwks.json").toURL());
        return new Redeemed(ok, validator.validate(ok.getIDToken(), started.nonce()));
    }
}
