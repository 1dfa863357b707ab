package dev.gatehouse.login;

import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.time.Duration;

/**
 * The hosted {@code /login} page: a plain HTML form (no JavaScript), CSRF-protected by a double-submit token (a random
 * value in a SameSite=Strict HttpOnly cookie that must match the hidden field), rate limited like the /v1 login, and
 * on success an SSO cookie and a redirect back to the pending authorization request.
 */
public final class LoginRoutes implements RouteGroup {
    public static final String SSO_COOKIE = "gh_sso";
    static final String CSRF_COOKIE = "gh_csrf";
    static final Rule LOGIN = new Rule("login", 10, Duration.ofMinutes(15));

    private final SsoService sso;
    private final Web web;
    private final Secrets secrets;
    private final boolean secureCookies;

    public LoginRoutes(SsoService sso, Web web, Secrets secrets, boolean secureCookies) {
        this.sso = sso;
        this.web = web;
        this.secrets = secrets;
        this.secureCookies = secureCookies;
    }

    @Override
    public void routes(Api api) {
        api.get("/login", this::form)
                .tag("pages")
                .summary("Hosted sign-in page")
                .returns(200, "HTML form");
        api.post("/login", this::submit)
                .tag("pages")
                .summary("Hosted sign-in form submission")
                .returns(303, "signed in; back to the authorization request")
                .returns(400, "HTML form with an error");
    }

    /** Only a path back to our own authorization endpoint: never an open redirect. */
    static String safeReturn(String returnTo) {
        if (returnTo == null
                || !returnTo.startsWith("/oauth2/authorize?")
                || returnTo.contains("\\")
                || returnTo.length() > 8000) return null;
        return returnTo;
    }

    private void form(Context ctx) {
        render(ctx, 200, safeReturn(ctx.queryParam("return_to")), "", null);
    }

    private void render(Context ctx, int status, String returnTo, String email, String error) {
        String csrf = secrets.token("");
        var cookie = new Cookie(CSRF_COOKIE, csrf, "/login", -1, secureCookies);
        cookie.setHttpOnly(true);
        cookie.setSameSite(SameSite.STRICT);
        ctx.cookie(cookie);
        String body = (error == null ? "" : "<p class=\"error\" role=\"alert\">" + Html.escape(error) + "</p>\n")
                + """
                <form method="post" action="/login">
                <input type="hidden" name="csrf" value="%s">
                <input type="hidden" name="return_to" value="%s">
                <label for="email">Email</label>
                <input id="email" name="email" type="email" autocomplete="username" required value="%s">
                <label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required>
                <button type="submit">Sign in</button>
                </form>
                """.formatted(Html.escape(csrf), Html.escape(returnTo == null ? "" : returnTo), Html.escape(email));
        Html.send(ctx, status, Html.page("Sign in", body));
    }

    private void submit(Context ctx) {
        String returnTo = safeReturn(ctx.formParam("return_to"));
        String email = ctx.formParam("email");
        String expected = ctx.cookie(CSRF_COOKIE);
        String presented = ctx.formParam("csrf");
        if (expected == null || presented == null || !Secrets.constantTimeEquals(expected, presented)) {
            render(ctx, 403, returnTo, email, "Your session expired. Please sign in again.");
            return;
        }
        web.limit(ctx, LOGIN, email == null ? "" : email.trim().toLowerCase(java.util.Locale.ROOT));
        switch (sso.login(email, ctx.formParam("password"), web.info(ctx))) {
            case SsoService.LoginOutcome.Refused r ->
                render(ctx, 400, returnTo, email, "The email or password is not correct.");
            case SsoService.LoginOutcome.MfaRequired m ->
                LoginMfaRoutes.render(ctx, 200, presented, returnTo, m.mfaToken(), m.methods(), null);
            case SsoService.LoginOutcome.SignedIn s -> {
                var cookie = new Cookie(
                        SSO_COOKIE, s.cookieValue(), "/", (int) sso.ttl().toSeconds(), secureCookies);
                cookie.setHttpOnly(true);
                cookie.setSameSite(SameSite.LAX);
                ctx.cookie(cookie);
                ctx.removeCookie(CSRF_COOKIE, "/login");
                ctx.header("Cache-Control", "no-store");
                if (returnTo == null) Html.send(ctx, 200, Html.page("Signed in", "<p>You are signed in.</p>"));
                else ctx.redirect(returnTo, io.javalin.http.HttpStatus.SEE_OTHER);
            }
        }
    }
}
