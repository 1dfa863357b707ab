package dev.gatehouse.oauth.clients;

import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.util.List;

/**
 * /v1/admin/initial-access-tokens: the RFC 7591 §3 initial access tokens with which developers register clients at
 * /oauth2/register without an administrator's sign-in ({@link InitialAccessTokens}). Listing needs
 * {@code clients:read}, making and deleting {@code clients:write}; errors are RFC 9457 problems.
 */
public final class InitialAccessTokenRoutes implements RouteGroup {
    /** A token; {@code initialAccessToken} only in the answer that made it. */
    public record TokenView(
            String id,
            String description,
            String scope,
            int maxUses,
            int uses,
            String createdBy,
            String createdAt,
            String expiresAt,
            String initialAccessToken) {}

    public record TokenList(List<TokenView> initialAccessTokens, int count) {}

    /** {@code expires_in} seconds (default a day, at most 90 days), {@code max_uses} (default 1, at most 1000). */
    public record TokenBody(String description, String scope, Integer maxUses, Long expiresIn) {}

    private final InitialAccessTokens tokens;
    private final Web web;

    public InitialAccessTokenRoutes(InitialAccessTokens tokens, Web web) {
        this.tokens = tokens;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/v1/admin/initial-access-tokens", this::list)
                .tag("clients")
                .summary("List the initial access tokens not yet expired (without the tokens)")
                .permission("clients:read")
                .returns(200, TokenList.class);
        api.post("/v1/admin/initial-access-tokens", this::create)
                .tag("clients")
                .summary("Make an initial access token (RFC 7591 §3) for registering clients at /oauth2/register:"
                        + " the token is in this answer only; registrations name scopes within its scope (default"
                        + " the OpenID Connect ones)")
                .permission("clients:write")
                .body(TokenBody.class)
                .returns(201, TokenView.class)
                .returns(422, "invalid fields, or a scope this server does not have");
        api.delete("/v1/admin/initial-access-tokens/{id}", this::delete)
                .tag("clients")
                .summary("Delete an initial access token: it registers nothing more (clients it registered stay)")
                .permission("clients:write")
                .returns(204, "deleted")
                .returns(404, "no such token");
    }

    private void list(Context ctx) {
        web.require(ctx, "clients:read");
        var all = tokens.list().stream().map(InitialAccessTokenRoutes::view).toList();
        web.ok(ctx, new TokenList(all, all.size()));
    }

    private void create(Context ctx) {
        Principal p = web.require(ctx, "clients:write");
        TokenBody b = web.body(ctx, TokenBody.class);
        var made = tokens.create(
                new InitialAccessTokens.Request(b.description(), b.scope(), b.maxUses(), b.expiresIn()),
                p.userId(),
                web.info(ctx));
        ctx.header("Cache-Control", "no-store");
        web.json(ctx, 201, view(made));
    }

    private void delete(Context ctx) {
        Principal p = web.require(ctx, "clients:write");
        tokens.delete(web.uuidPath(ctx, "id"), p.userId(), web.info(ctx));
        ctx.status(204);
    }

    private static TokenView view(InitialAccessTokens.View v) {
        return new TokenView(
                v.id().toString(),
                v.description(),
                v.scope(),
                v.maxUses(),
                v.uses(),
                v.createdBy() == null ? null : v.createdBy().toString(),
                v.createdAt().toString(),
                v.expiresAt().toString(),
                v.token());
    }
}
