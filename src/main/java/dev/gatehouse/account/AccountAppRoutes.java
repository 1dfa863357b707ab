package dev.gatehouse.account;

import dev.gatehouse.oauth.authorize.ConsentService;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import io.javalin.http.Context;

/**
 * The account page's application forms: remove a client's access, i.e. forget the user's consent and end the sessions
 * (so the refresh tokens) the user holds through it ({@link ConsentService#revoke}, audited there); the client asks
 * for consent again next time. It only takes something away, so it needs the page's CSRF token but not a recent
 * sign-in.
 */
final class AccountAppRoutes implements RouteGroup {
    private final AccountSecurityRoutes page;
    private final ConsentService consents;

    AccountAppRoutes(AccountSecurityRoutes page, ConsentService consents) {
        this.page = page;
        this.consents = consents;
    }

    @Override
    public void routes(Api api) {
        AccountFactorRoutes.post(
                api,
                "/apps/{client_id}/revoke",
                this::revoke,
                "Remove an application's access: forget the consent and end the sessions through it",
                "revoked");
    }

    private void revoke(Context ctx) {
        var s = page.posted(ctx, false);
        if (s.isEmpty()) return;
        if (!consents.revoke(
                s.get().userId(), ctx.pathParam("client_id"), page.web().info(ctx))) {
            page.refused(ctx, s.get(), Problem.notFound("A consent to this client"));
            return;
        }
        page.done(ctx, "app_revoked");
    }
}
