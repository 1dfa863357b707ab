package dev.gatehouse.account;

import dev.gatehouse.login.SsoService;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.platform.http.RouteGroup;
import io.javalin.http.Context;
import java.util.function.BiConsumer;

/**
 * The account page's "sign out there" for another browser signed in to the account: its SSO session ends as a logout
 * would end it ({@code signOut}: the sessions issued in it end, its clients hear by back-channel logout, audited). It
 * only takes something away, so it needs the page's CSRF token but not a recent sign-in.
 */
final class AccountBrowserRoutes implements RouteGroup {
    private final AccountSecurityRoutes page;
    private final SsoService sso;
    private final BiConsumer<SsoSession, RequestInfo> signOut;

    AccountBrowserRoutes(AccountSecurityRoutes page, SsoService sso, BiConsumer<SsoSession, RequestInfo> signOut) {
        this.page = page;
        this.sso = sso;
        this.signOut = signOut;
    }

    @Override
    public void routes(Api api) {
        AccountFactorRoutes.post(
                api,
                "/browsers/{id}/sign-out",
                this::signOut,
                "Sign out another browser signed in to the account",
                "browser_signed_out");
    }

    private void signOut(Context ctx) {
        var s = page.posted(ctx, false);
        if (s.isEmpty()) return;
        try {
            // Not one of this account's open sessions (signed out already, or someone else's): the same answer.
            var browser = sso.openOf(s.get().userId(), page.web().uuidPath(ctx, "id"))
                    .orElseThrow(() -> Problem.notFound("The browser"));
            signOut.accept(browser, page.web().info(ctx));
        } catch (Problem p) {
            page.refused(ctx, s.get(), p);
            return;
        }
        page.done(ctx, "browser_signed_out");
    }
}
