package dev.gatehouse.oauth;

import dev.gatehouse.oauth.clients.ClientMetadataRules;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.oauth.token.TokenEndpoint;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Json;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.PublicDocument;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.keys.KeyRing;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * RFC 8414 authorization server metadata. It advertises exactly what is implemented: the grants registered on the
 * token endpoint, the client authentication methods clients can register, and the endpoints that exist. The OpenID
 * Connect Discovery 1.0 document is the same plus the OIDC-only entries.
 */
public final class DiscoveryRoutes implements RouteGroup {
    private final String issuer;
    private final TokenEndpoint tokens;
    private final Web web;
    private final ScopeService scopes;
    /** The serialized documents, with the scope-table version they were built from (rebuilt when it moves). */
    private volatile Cached cached;

    private volatile Cached cachedOidc;
    private final boolean accountCreation;

    private record Cached(long scopesVersion, PublicDocument document) {}

    /** {@code accountCreation}: self-registration is open, so {@code prompt=create} is offered. */
    public DiscoveryRoutes(String issuer, TokenEndpoint tokens, Web web, ScopeService scopes, boolean accountCreation) {
        this.accountCreation = accountCreation;
        this.issuer = issuer;
        this.tokens = tokens;
        this.web = web;
        this.scopes = scopes;
    }

    @Override
    public void routes(Api api) {
        api.document("/.well-known/oauth-authorization-server", this::metadata)
                .tag("oauth")
                .summary("Authorization server metadata (RFC 8414)")
                .returns(200, "metadata document");
        api.document("/.well-known/openid-configuration", this::openidConfiguration)
                .tag("oidc")
                .summary("OpenID Provider metadata (OIDC Discovery 1.0)")
                .returns(200, "metadata document");
    }

    Map<String, Object> document() {
        List<String> authMethods = ClientMetadataRules.SUPPORTED_AUTH.stream()
                .map(Object::toString)
                .sorted()
                .toList();
        List<String> confidentialMethods =
                authMethods.stream().filter(m -> !m.equals("none")).toList();
        var m = new LinkedHashMap<String, Object>();
        m.put("issuer", issuer);
        m.put("authorization_endpoint", issuer + "/oauth2/authorize");
        m.put("token_endpoint", issuer + "/oauth2/token");
        m.put("jwks_uri", issuer + "/.well-known/jwks.json");
        m.put("scopes_supported", scopes.snapshot().names().stream().sorted().toList());
        m.put("response_types_supported", List.of("code", "code id_token"));
        m.put("response_modes_supported", List.of("query", "fragment", "form_post"));
        m.put("code_challenge_methods_supported", List.of("S256"));
        m.put("authorization_response_iss_parameter_supported", true);
        // The values registration's grant_types takes (RFC 8414 §2): the token endpoint's grants, and implicit, which a
        // code id_token client registers for the ID token from the authorization endpoint (OIDC Registration §2).
        var grantTypes = new java.util.ArrayList<>(tokens.grantTypes());
        grantTypes.add("implicit");
        m.put("grant_types_supported", List.copyOf(grantTypes));
        if (tokens.grantTypes().contains("urn:ietf:params:oauth:grant-type:device_code"))
            m.put("device_authorization_endpoint", issuer + "/oauth2/device_authorization");
        m.put("token_endpoint_auth_methods_supported", authMethods);
        // private_key_jwt assertions (RFC 7523) and DPoP proofs (RFC 9449) are checked against the same list.
        List<String> clientAlgs = dev.gatehouse.platform.crypto.PublicJwks.algNames();
        m.put("token_endpoint_auth_signing_alg_values_supported", clientAlgs);
        m.put("introspection_endpoint", issuer + "/oauth2/introspect");
        m.put("introspection_endpoint_auth_methods_supported", confidentialMethods);
        m.put("introspection_endpoint_auth_signing_alg_values_supported", clientAlgs);
        m.put("revocation_endpoint", issuer + "/oauth2/revoke");
        m.put("revocation_endpoint_auth_methods_supported", authMethods);
        m.put("revocation_endpoint_auth_signing_alg_values_supported", clientAlgs);
        m.put("dpop_signing_alg_values_supported", clientAlgs);
        m.put("registration_endpoint", issuer + "/oauth2/register");
        m.put("pushed_authorization_request_endpoint", issuer + "/oauth2/par");
        m.put("require_pushed_authorization_requests", false);
        // Initiating User Registration via OpenID Connect 1.0 §4.2: create only where accounts can be created.
        m.put(
                "prompt_values_supported",
                accountCreation
                        ? List.of("none", "login", "consent", "select_account", "create")
                        : List.of("none", "login", "consent", "select_account"));
        // RFC 8414 §2 / OIDC Discovery §3: the languages of the hosted pages (chosen by ui_locales).
        m.put(
                "ui_locales_supported",
                Messages.SUPPORTED.stream().map(Locale::toLanguageTag).toList());
        m.put("service_documentation", issuer + "/docs");
        return m;
    }

    Map<String, Object> openidDocument() {
        var m = document();
        m.put("userinfo_endpoint", issuer + "/oauth2/userinfo");
        m.put("subject_types_supported", List.of("public"));
        m.put(
                "id_token_signing_alg_values_supported",
                KeyRing.SUPPORTED.stream().map(Object::toString).sorted().toList());
        // The ID token's claims (OIDC Core §2), then every claim of an account that a scope can release (§5.1).
        var claims = new java.util.LinkedHashSet<>(List.of(
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "at_hash",
                "c_hash",
                "s_hash",
                "sid",
                "amr",
                "acr",
                "azp"));
        claims.addAll(dev.gatehouse.accounts.UserClaims.NAMES);
        m.put("claims_supported", List.copyOf(claims));
        m.put("acr_values_supported", dev.gatehouse.oauth.authorize.Acr.SUPPORTED);
        m.put("claims_parameter_supported", false);
        m.put("request_parameter_supported", false);
        m.put("request_uri_parameter_supported", false);
        // OIDC RP-Initiated, Front-Channel and Back-Channel Logout, and Session Management.
        m.put("end_session_endpoint", issuer + "/oauth2/logout");
        m.put("frontchannel_logout_supported", true);
        m.put("frontchannel_logout_session_supported", true);
        m.put("backchannel_logout_supported", true);
        m.put("backchannel_logout_session_supported", true);
        m.put("check_session_iframe", issuer + "/oauth2/session/iframe");
        return m;
    }

    private PublicDocument openidConfiguration() {
        long version = scopes.snapshot().version();
        Cached c = cachedOidc;
        if (c == null || c.scopesVersion() != version) cachedOidc = c = new Cached(version, render(openidDocument()));
        return c.document();
    }

    private PublicDocument metadata() {
        long version = scopes.snapshot().version();
        Cached c = cached;
        if (c == null || c.scopesVersion() != version) cached = c = new Cached(version, render(document()));
        return c.document();
    }

    private PublicDocument render(Map<String, Object> document) {
        return PublicDocument.json("application/json", Json.write(web.mapper(), document));
    }
}
