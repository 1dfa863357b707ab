package dev.gatehouse.oauth.authorize;

import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;

/**
 * /v1/auth/consents: the clients the caller has consented to, and revoking one (which also ends the sessions, and so
 * the refresh tokens, the caller holds through that client). After a revocation the consent page asks again.
 */
public final class ConsentApiRoutes implements RouteGroup {
    public record ConsentView(String clientId, String clientName, List<String> scope, Instant grantedAt) {}

    public record ConsentList(List<ConsentView> consents, int count) {}

    private final ConsentService consents;
    private final Web web;

    public ConsentApiRoutes(ConsentService consents, Web web) {
        this.consents = consents;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/v1/auth/consents", this::list)
                .tag("auth")
                .summary("The clients the caller has consented to, with the scopes granted")
                .bearer()
                .returns(200, ConsentList.class);
        api.delete("/v1/auth/consents/{client_id}", this::revoke)
                .tag("auth")
                .summary("Revoke consent to a client and end the caller's sessions (refresh tokens) with it")
                .bearer()
                .returns(204, "revoked")
                .returns(404, "no consent or session with this client");
    }

    private void list(Context ctx) {
        Principal p = web.principal(ctx);
        if (p.userId() == null) throw Problem.forbidden("This call needs a user's access token");
        var list = consents.list(p.userId()).stream()
                .map(g -> new ConsentView(g.clientId(), g.clientName(), List.copyOf(g.scope()), g.grantedAt()))
                .toList();
        web.ok(ctx, new ConsentList(list, list.size()));
    }

    private void revoke(Context ctx) {
        Principal p = web.principal(ctx);
        if (p.userId() == null) throw Problem.forbidden("This call needs a user's access token");
        String clientId = ctx.pathParam("client_id");
        if (!consents.revoke(p.userId(), clientId, web.info(ctx))) throw Problem.notFound("A consent to this client");
        ctx.status(204);
    }
}
