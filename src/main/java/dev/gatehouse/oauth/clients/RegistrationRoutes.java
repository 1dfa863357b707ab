package dev.gatehouse.oauth.clients;

import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Map;

/**
 * Dynamic client registration (RFC 7591) at /oauth2/register, for callers holding an administrator's access token or
 * an initial access token (RFC 7591 §3, {@link InitialAccessTokens}; open registration is off), and self-management
 * (RFC 7592) at /oauth2/register/{client_id} with the registration access token issued at registration.
 */
public final class RegistrationRoutes implements RouteGroup {
    /** The RFC 7591 §3.2.2 errors of a registration or an update; software statements are not accepted at all. */
    private static final String REFUSALS =
            "invalid_client_metadata, invalid_redirect_uri, or unapproved_software_statement (any software_statement)";

    /** Open registrations from one address (GATEHOUSE_OPEN_CLIENT_REGISTRATION). */
    static final Rule OPEN = new Rule("open_client_registration", 10, Duration.ofHours(1));

    private final ClientService clients;
    private final ClientRegistrations registrations;
    private final InitialAccessTokens initialAccessTokens;
    private final Web web;
    private final String issuer;
    private final boolean open;

    public RegistrationRoutes(
            ClientService clients,
            ClientRegistrations registrations,
            InitialAccessTokens initialAccessTokens,
            Web web,
            String issuer,
            boolean open) {
        this.open = open;
        this.clients = clients;
        this.registrations = registrations;
        this.initialAccessTokens = initialAccessTokens;
        this.web = web;
        this.issuer = issuer;
    }

    private static final String RAT = "invalid_token: the registration access token is missing or wrong";

    @Override
    public void routes(Api api) {
        api.problemsAs("/oauth2/register", OAuthError::of); // and /oauth2/register/{client_id}
        api.post("/oauth2/register", this::register)
                .tag("oauth")
                .summary("Dynamic client registration (RFC 7591): with an administrator's access token, or with an"
                        + " initial access token (giat_..., from /v1/admin/initial-access-tokens) within its scope")
                .permission("clients:write")
                .body(ClientRoutes.ClientMetadata.class)
                .returns(201, ClientRoutes.ClientMetadata.class)
                .returns(400, REFUSALS)
                .returns(
                        401,
                        "invalid_token: an administrator's access token, or an initial access token with a use left, is"
                                + " needed")
                .returns(403, "insufficient_scope: the token's user is not an administrator");
        api.get("/oauth2/register/{client_id}", this::read)
                .tag("oauth")
                .summary("Read a registration (RFC 7592), with the registration access token")
                .returns(200, ClientRoutes.ClientMetadata.class)
                .returns(401, RAT);
        api.put("/oauth2/register/{client_id}", this::update)
                .tag("oauth")
                .summary("Update a registration (RFC 7592)")
                .body(ClientRoutes.ClientMetadata.class)
                .returns(200, ClientRoutes.ClientMetadata.class)
                .returns(400, REFUSALS)
                .returns(401, RAT);
        api.delete("/oauth2/register/{client_id}", this::delete)
                .tag("oauth")
                .summary("Delete a registration (RFC 7592)")
                .returns(204, "deleted")
                .returns(401, RAT);
    }

    private void register(Context ctx) {
        String bearer = web.bearer(ctx).orElse(null);
        IssuedClient issued;
        if (open && bearer == null) {
            web.limit(ctx, OPEN);
            issued = registrations.registerOpenly(oauthBody(ctx), web.info(ctx));
        } else if (bearer != null && bearer.startsWith(InitialAccessTokens.PREFIX)) {
            issued = registrations.register(oauthBody(ctx), initialAccessTokens, bearer, web.info(ctx));
        } else {
            Principal p = bearerAdmin(ctx, bearer); // before the body is read
            issued = registrations.create(oauthBody(ctx), false, true, p.userId(), web.info(ctx));
        }
        var view = ClientRoutes.view(issued.client(), issued.secret().orElse(null));
        view.put("registration_access_token", issued.registrationToken().orElseThrow());
        view.put(
                "registration_client_uri",
                issuer + "/oauth2/register/" + issued.client().clientId());
        ctx.header("Cache-Control", "no-store");
        web.json(ctx, 201, view);
    }

    private void read(Context ctx) {
        OAuthClient c = self(ctx);
        web.ok(ctx, managementView(ctx, c));
    }

    private void update(Context ctx) {
        OAuthClient c = self(ctx);
        var updated = registrations.updateOwn(c, oauthBody(ctx), web.info(ctx));
        var view = managementView(ctx, updated.client());
        updated.secret().ifPresent(secret -> {
            view.put("client_secret", secret); // RFC 7592 §2.2: a switch to a secret method gets one, shown once
            view.put("client_secret_expires_at", 0);
        });
        web.ok(ctx, view);
    }

    /**
     * RFC 7592 §3: the answer to a read or update carries the registration access token and the configuration URI.
     * Only the token's hash is stored, so the token is the one the client just presented (still valid: it is not
     * rotated), and the secret, stored as a hash too, is not repeated.
     */
    private Map<String, Object> managementView(Context ctx, OAuthClient c) {
        var view = ClientRoutes.view(c, null);
        view.put("registration_access_token", web.bearer(ctx).orElseThrow());
        view.put("registration_client_uri", issuer + "/oauth2/register/" + c.clientId());
        ctx.header("Cache-Control", "no-store");
        return view;
    }

    private void delete(Context ctx) {
        OAuthClient c = self(ctx);
        registrations.delete(c.clientId(), null, web.info(ctx));
        ctx.status(204);
    }

    private Principal bearerAdmin(Context ctx, String bearer) {
        if (bearer == null) throw OAuthError.tokenMissing("registration needs an administrator's access token");
        try {
            Principal p = web.principal(ctx);
            if (!p.can("clients:write"))
                throw new OAuthError(403, "insufficient_scope", "registration needs an administrator");
            return p;
        } catch (Problem e) {
            throw new OAuthError(401, "invalid_token", "registration needs an administrator's access token");
        }
    }

    private OAuthClient self(Context ctx) {
        String token = web.bearer(ctx).orElse(null);
        if (token == null) throw OAuthError.tokenMissing("the registration access token is missing");
        // RFC 7592 §3: unknown client or wrong token are both 401, so client ids cannot be probed.
        return clients.byRegistrationToken(ctx.pathParam("client_id"), token)
                .orElseThrow(() -> new OAuthError(401, "invalid_token", "the registration access token is not valid"));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> oauthBody(Context ctx) {
        try {
            return new java.util.LinkedHashMap<>(web.body(ctx, Map.class));
        } catch (Problem e) {
            throw new OAuthError(400, "invalid_client_metadata", e.detail());
        }
    }
}
