package dev.gatehouse.oauth;

import dev.gatehouse.oauth.authorize.AuthorizeService;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.token.TokenEndpoint;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Json;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.keys.KeyRing;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
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
    private volatile String cached;
    private volatile String cachedOidc;

    public DiscoveryRoutes(String issuer, TokenEndpoint tokens, Web web) {
        this.issuer = issuer;
        this.tokens = tokens;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/.well-known/oauth-authorization-server", this::metadata)
                .tag("oauth")
                .summary("Authorization server metadata (RFC 8414)")
                .returns(200, "metadata document");
        api.get("/.well-known/openid-configuration", this::openidConfiguration)
                .tag("oidc")
                .summary("OpenID Provider metadata (OIDC Discovery 1.0)")
                .returns(200, "metadata document");
    }

    Map<String, Object> document() {
        List<String> authMethods = ClientService.SUPPORTED_AUTH.stream()
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
        m.put(
                "scopes_supported",
                AuthorizeService.STANDARD_SCOPES.stream().sorted().toList());
        m.put("response_types_supported", List.of("code"));
        m.put("response_modes_supported", List.of("query", "fragment"));
        m.put("code_challenge_methods_supported", List.of("S256"));
        m.put("authorization_response_iss_parameter_supported", true);
        m.put("grant_types_supported", tokens.grantTypes());
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
        m.put(
                "claims_supported",
                List.of(
                        "iss",
                        "sub",
                        "aud",
                        "exp",
                        "iat",
                        "auth_time",
                        "nonce",
                        "at_hash",
                        "sid",
                        "amr",
                        "azp",
                        "email",
                        "email_verified",
                        "name",
                        "given_name",
                        "family_name"));
        m.put("claims_parameter_supported", false);
        m.put("request_parameter_supported", false);
        m.put("request_uri_parameter_supported", false);
        return m;
    }

    private void openidConfiguration(Context ctx) {
        if (cachedOidc == null) cachedOidc = Json.write(web.mapper(), openidDocument());
        ctx.header("Cache-Control", "public, max-age=300");
        ctx.header("Access-Control-Allow-Origin", "*");
        ctx.contentType("application/json").result(cachedOidc);
    }

    private void metadata(Context ctx) {
        if (cached == null) cached = Json.write(web.mapper(), document());
        ctx.header("Cache-Control", "public, max-age=300");
        ctx.header("Access-Control-Allow-Origin", "*");
        ctx.contentType("application/json").result(cached);
    }
}
