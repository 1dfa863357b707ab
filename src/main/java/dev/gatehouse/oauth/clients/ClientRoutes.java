package dev.gatehouse.oauth.clients;

import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * /v1/admin/clients: the administrators' view of OAuth clients, in RFC 7591 vocabulary (the same metadata
 * /oauth2/register takes), with errors as RFC 9457 problems.
 */
public final class ClientRoutes implements RouteGroup {
    /**
     * The RFC 7591 metadata fields this API documents, and Gatehouse's own {@code access_token_signed_response_alg}
     * and {@code resources} (ADR 0025); the other RFC 7591 and OpenID Connect metadata is accepted too, and members
     * Gatehouse does not know are ignored (RFC 7591 §2).
     */
    public record ClientMetadata(
            String clientName,
            List<String> redirectUris,
            List<String> grantTypes,
            List<String> responseTypes,
            String tokenEndpointAuthMethod,
            String scope,
            List<String> postLogoutRedirectUris,
            String idTokenSignedResponseAlg,
            String accessTokenSignedResponseAlg,
            List<String> resources) {}

    /**
     * A client's OpenID Connect settings (OIDC Registration §2, Front- and Back-Channel Logout), the part of its
     * metadata /v1/admin/clients/{client_id}/oidc shows and changes.
     */
    public record OidcSettings(
            String idTokenSignedResponseAlg,
            String subjectType,
            Integer defaultMaxAge,
            Boolean requireAuthTime,
            List<String> responseTypes,
            List<String> postLogoutRedirectUris,
            String frontchannelLogoutUri,
            Boolean frontchannelLogoutSessionRequired,
            String backchannelLogoutUri,
            Boolean backchannelLogoutSessionRequired) {}

    /** The metadata fields of {@link OidcSettings}, in its order. */
    static final List<String> OIDC_FIELDS = List.of(
            "id_token_signed_response_alg",
            "subject_type",
            "default_max_age",
            "require_auth_time",
            "response_types",
            "post_logout_redirect_uris",
            "frontchannel_logout_uri",
            "frontchannel_logout_session_required",
            "backchannel_logout_uri",
            "backchannel_logout_session_required");

    public record ClientPage(List<Map<String, Object>> clients, int limit, int offset, int count) {}

    public record Algorithms(
            List<String> idTokenSigningAlgValuesSupported, List<String> tokenEndpointAuthMethodsSupported) {}

    private final ClientService clients;
    private final ClientRegistrations registrations;
    private final ClientRevocation revocation;
    private final Web web;

    public ClientRoutes(
            ClientService clients, ClientRegistrations registrations, ClientRevocation revocation, Web web) {
        this.clients = clients;
        this.registrations = registrations;
        this.revocation = revocation;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/v1/admin/clients", this::list)
                .tag("clients")
                .summary("List OAuth clients")
                .permission("clients:read")
                .query("limit", "1-100, default 50")
                .query("offset", "default 0")
                .returns(200, ClientPage.class);
        api.post("/v1/admin/clients", this::create)
                .tag("clients")
                .summary("Register an OAuth client (RFC 7591 metadata)")
                .permission("clients:write")
                .body(ClientMetadata.class)
                .returns(201, ClientMetadata.class);
        api.get("/v1/admin/clients/oidc/algorithms", this::algorithms)
                .tag("clients")
                .summary("Supported signing algorithms and client authentication methods")
                .permission("clients:read")
                .returns(200, Algorithms.class);
        api.get("/v1/admin/clients/{client_id}", this::get)
                .tag("clients")
                .summary("One OAuth client")
                .permission("clients:read")
                .returns(200, ClientMetadata.class)
                .returns(404, "no such client");
        api.put("/v1/admin/clients/{client_id}", this::update)
                .tag("clients")
                .summary("Replace a client's metadata")
                .permission("clients:write")
                .body(ClientMetadata.class)
                .returns(200, ClientMetadata.class)
                .returns(404, "no such client");
        api.delete("/v1/admin/clients/{client_id}", this::delete)
                .tag("clients")
                .summary("Delete an OAuth client")
                .permission("clients:write")
                .returns(204, "deleted")
                .returns(404, "no such client");
        api.get("/v1/admin/clients/{client_id}/oidc", this::oidc)
                .tag("clients")
                .summary("A client's OpenID Connect settings, defaults filled in")
                .permission("clients:read")
                .returns(200, OidcSettings.class)
                .returns(404, "no such client");
        api.put("/v1/admin/clients/{client_id}/oidc", this::updateOidc)
                .tag("clients")
                .summary("Change some of a client's OpenID Connect settings (null restores the default); its other"
                        + " metadata stays")
                .permission("clients:write")
                .body(OidcSettings.class)
                .returns(200, OidcSettings.class)
                .returns(404, "no such client")
                .returns(422, "a field that is not an OIDC setting, or a value Gatehouse does not support");
        api.post("/v1/admin/clients/{client_id}/regenerate-secret", this::regenerate)
                .tag("clients")
                .summary("Issue a new client secret (shown once); the old one stops working at once, or after"
                        + " previous_secret_expires_in seconds (at most 7 days) for a rotation without downtime")
                .permission("clients:write")
                .body(RegenerateBody.class)
                .returns(200, ClientMetadata.class)
                .returns(404, "no such client")
                .returns(
                        422,
                        "previous_secret_expires_in out of range (validation_failed), or a client without a"
                                + " secret, such as a public one (client_has_no_secret)");
        api.post("/v1/admin/clients/{client_id}/revoke-tokens", this::revokeTokens)
                .tag("clients")
                .summary("Revoke every token of the client on every node (incident response): its sessions end, with"
                        + " their refresh tokens, its access tokens issued up to now are refused, whatever session"
                        + " they carry, and its authorization and device codes not yet redeemed are spent")
                .permission("clients:write")
                .returns(200, TokensRevokedView.class)
                .returns(404, "no such client");
    }

    private void list(Context ctx) {
        web.require(ctx, "clients:read");
        int limit = web.intQuery(ctx, "limit", 50, 1, 100);
        int offset = web.intQuery(ctx, "offset", 0, 0, 1_000_000);
        var list = clients.list(limit, offset).stream().map(c -> view(c, null)).toList();
        web.ok(ctx, new ClientPage(list, limit, offset, list.size()));
    }

    private void create(Context ctx) {
        Principal p = web.require(ctx, "clients:write");
        @SuppressWarnings("unchecked")
        Map<String, Object> body = web.body(ctx, Map.class);
        var issued = translate(() -> registrations.create(body, false, p.userId(), web.info(ctx)));
        web.json(ctx, 201, view(issued.client(), issued.secret().orElse(null)));
    }

    private void get(Context ctx) {
        web.require(ctx, "clients:read");
        var c = clients.find(ctx.pathParam("client_id")).orElseThrow(() -> Problem.notFound("The client"));
        web.ok(ctx, view(c, null));
    }

    private void update(Context ctx) {
        Principal p = web.require(ctx, "clients:write");
        @SuppressWarnings("unchecked")
        Map<String, Object> body = web.body(ctx, Map.class);
        var issued = translate(() -> registrations.update(ctx.pathParam("client_id"), body, p.userId(), web.info(ctx)));
        web.ok(ctx, view(issued.client(), issued.secret().orElse(null)));
    }

    private void delete(Context ctx) {
        Principal p = web.require(ctx, "clients:write");
        if (!registrations.delete(ctx.pathParam("client_id"), p.userId(), web.info(ctx)))
            throw Problem.notFound("The client");
        ctx.status(204);
    }

    /** What revoke-tokens did; {@code tokensNotBefore} in seconds since the epoch. */
    public record TokensRevokedView(String clientId, int sessionsEnded, long tokensNotBefore) {}

    private void revokeTokens(Context ctx) {
        Principal p = web.require(ctx, "clients:write");
        String id = ctx.pathParam("client_id");
        var revoked = revocation.revokeTokens(id, p.userId(), web.info(ctx));
        web.ok(
                ctx,
                new TokensRevokedView(
                        id, revoked.sessionsEnded(), revoked.notBefore().getEpochSecond()));
    }

    /** An optional body: how long the secret being replaced stays valid (seconds; default 0, at most 7 days). */
    public record RegenerateBody(Long previousSecretExpiresIn) {}

    private void regenerate(Context ctx) {
        Principal p = web.require(ctx, "clients:write");
        // No body at all is the plain rotation; any body is read as JSON (its charset checked there, not decoded here).
        Long keep = ctx.bodyAsBytes().length == 0
                ? null
                : web.body(ctx, RegenerateBody.class).previousSecretExpiresIn();
        var overlap = keep == null ? java.time.Duration.ZERO : java.time.Duration.ofSeconds(keep);
        var issued = translate(
                () -> revocation.regenerateSecret(ctx.pathParam("client_id"), overlap, p.userId(), web.info(ctx)));
        var view = view(issued.client(), issued.secret().orElse(null));
        issued.client()
                .previousSecret()
                .ifPresent(previous -> view.put(
                        "previous_secret_expires_at", previous.expiresAt().getEpochSecond()));
        ctx.header("Cache-Control", "no-store");
        web.ok(ctx, view);
    }

    private void oidc(Context ctx) {
        web.require(ctx, "clients:read");
        var c = clients.find(ctx.pathParam("client_id")).orElseThrow(() -> Problem.notFound("The client"));
        web.ok(ctx, oidcView(c));
    }

    private void updateOidc(Context ctx) {
        Principal p = web.require(ctx, "clients:write");
        String id = ctx.pathParam("client_id");
        @SuppressWarnings("unchecked")
        Map<String, Object> body = web.body(ctx, Map.class);
        if (body == null || body.isEmpty())
            throw Problem.badRequest("invalid_body", "The body must be a JSON object with the settings to change");
        for (String field : body.keySet()) {
            if (!OIDC_FIELDS.contains(field))
                throw new Problem(
                        422,
                        "invalid_client_metadata",
                        "Invalid client metadata",
                        "not an OIDC setting; use PUT /v1/admin/clients/{client_id} for the rest of the metadata",
                        Map.of(field.length() <= 64 ? field : "body", "not an OIDC setting"));
        }
        translate(() -> {
            MetadataShapes.check(body); // before looking the client up: a malformed body is 422 either way
            return null;
        });
        var current = clients.find(id).orElseThrow(() -> Problem.notFound("The client"));
        Map<String, Object> metadata = new LinkedHashMap<>(current.metadata().toJSONObject());
        body.forEach((field, value) -> {
            if (value == null) metadata.remove(field);
            else metadata.put(field, value);
        });
        var updated = translate(() -> registrations.update(id, metadata, p.userId(), web.info(ctx)));
        var view = oidcView(updated.client());
        updated.secret().ifPresent(secret -> view.put("client_secret", secret)); // a switch to a secret method
        web.ok(ctx, view);
    }

    /** The client's OIDC settings with the defaults Gatehouse applies when a field is absent. */
    static Map<String, Object> oidcView(OAuthClient c) {
        Map<String, Object> json = c.metadata().toJSONObject();
        var m = new LinkedHashMap<String, Object>();
        m.put("client_id", c.clientId());
        m.put("id_token_signed_response_alg", json.getOrDefault("id_token_signed_response_alg", "RS256"));
        m.put("subject_type", "public");
        m.put("default_max_age", json.get("default_max_age"));
        m.put("require_auth_time", json.getOrDefault("require_auth_time", false));
        m.put("response_types", json.getOrDefault("response_types", List.of()));
        m.put("post_logout_redirect_uris", json.getOrDefault("post_logout_redirect_uris", List.of()));
        m.put("frontchannel_logout_uri", json.get("frontchannel_logout_uri"));
        m.put("frontchannel_logout_session_required", json.getOrDefault("frontchannel_logout_session_required", false));
        m.put("backchannel_logout_uri", json.get("backchannel_logout_uri"));
        m.put("backchannel_logout_session_required", json.getOrDefault("backchannel_logout_session_required", false));
        return m;
    }

    private void algorithms(Context ctx) {
        web.require(ctx, "clients:read");
        web.ok(
                ctx,
                new Algorithms(
                        ClientMetadataRules.ID_TOKEN_ALGS,
                        ClientMetadataRules.SUPPORTED_AUTH.stream()
                                .map(Object::toString)
                                .sorted()
                                .toList()));
    }

    /**
     * RFC 7591 §3.2.1 response: the metadata plus client_id, and the secret only when just issued. The server's fields
     * always win: metadata under their names is not the client's to set, so it is left out rather than echoed.
     */
    static Map<String, Object> view(OAuthClient c, String secret) {
        var m = new LinkedHashMap<String, Object>();
        m.put("client_id", c.clientId());
        if (secret != null) {
            m.put("client_secret", secret);
            m.put("client_secret_expires_at", 0);
        }
        m.put("client_id_issued_at", c.createdAt().getEpochSecond());
        c.metadata().toJSONObject().forEach((field, value) -> {
            if (!ClientMetadataRules.RESPONSE_ONLY.contains(field)) m.put(field, value);
        });
        return m;
    }

    private static <T> T translate(java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (OAuthError e) {
            if (e.status() == 404) throw Problem.notFound("The client");
            throw new Problem(
                    422,
                    e.error(),
                    "Invalid client metadata",
                    e.description(),
                    e.field().map(f -> java.util.Map.of(f, e.description())).orElse(null));
        }
    }
}
