package dev.gatehouse.login;

import dev.gatehouse.mfa.MfaService;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.time.Duration;
import java.util.List;

/**
 * The second step of the hosted {@code /login}: after a right password, an account with a second factor is asked for
 * a TOTP or backup code (its choice). The pending login is the same {@code mfa_token} as in the API (5 minutes, 5
 * attempts, single use); the form carries it and the CSRF token of the first step.
 */
public final class LoginMfaRoutes implements RouteGroup {
    static final Rule LOGIN_MFA = new Rule("login-mfa", 20, Duration.ofMinutes(15));

    private final SsoService sso;
    private final MfaService mfa;
    private final Web web;
    private final boolean secureCookies;

    public LoginMfaRoutes(SsoService sso, MfaService mfa, Web web, Secrets secrets, boolean secureCookies) {
        this.sso = sso;
        this.mfa = mfa;
        this.web = web;
        this.secureCookies = secureCookies;
    }

    @Override
    public void routes(Api api) {
        api.post("/login/mfa", this::submit)
                .tag("pages")
                .summary("Hosted sign-in, second step: a TOTP or backup code")
                .returns(303, "signed in; back to the authorization request")
                .returns(400, "HTML form with an error");
    }

    /** The second-step form; {@code csrf} is the value of the first step's CSRF cookie, still valid. */
    static void render(
            Context ctx,
            int status,
            String csrf,
            String returnTo,
            String mfaToken,
            List<String> methods,
            String error) {
        var choices = new StringBuilder();
        boolean first = true;
        for (String m : methods) {
            String label = switch (m) {
                case "totp" -> "Code from your authenticator app";
                case "backup_code" -> "A backup code";
                default -> null;
            };
            if (label == null) continue;
            choices.append("<label><input type=\"radio\" name=\"method\" value=\"")
                    .append(Html.escape(m))
                    .append('"')
                    .append(first ? " checked" : "")
                    .append("> ")
                    .append(Html.escape(label))
                    .append("</label>\n");
            first = false;
        }
        String body = (error == null ? "" : "<p class=\"error\" role=\"alert\">" + Html.escape(error) + "</p>\n")
                + """
                <p>Your account uses two-step sign-in.</p>
                <form method="post" action="/login/mfa">
                <input type="hidden" name="csrf" value="%s">
                <input type="hidden" name="return_to" value="%s">
                <input type="hidden" name="mfa_token" value="%s">
                <input type="hidden" name="methods" value="%s">
                %s<label for="code">Code</label>
                <input id="code" name="code" autocomplete="one-time-code" required autofocus>
                <button type="submit">Continue</button>
                </form>
                """.formatted(
                                Html.escape(csrf),
                                Html.escape(returnTo == null ? "" : returnTo),
                                Html.escape(mfaToken),
                                Html.escape(String.join(",", methods)),
                                choices);
        ctx.header("Cache-Control", "no-store");
        Html.send(ctx, status, Html.page("Two-step sign-in", body));
    }

    private void submit(Context ctx) {
        String returnTo = LoginRoutes.safeReturn(ctx.formParam("return_to"));
        String expected = ctx.cookie(LoginRoutes.CSRF_COOKIE);
        String presented = ctx.formParam("csrf");
        String mfaToken = ctx.formParam("mfa_token");
        String code = ctx.formParam("code");
        String method = ctx.formParam("method");
        List<String> methods = methodsOf(ctx.formParam("methods"));
        if (expected == null
                || presented == null
                || !Secrets.constantTimeEquals(expected, presented)
                || mfaToken == null) {
            startOver(ctx, returnTo, 403, "Your session expired. Please sign in again.");
            return;
        }
        web.limit(ctx, LOGIN_MFA);
        if (method == null || !List.of("totp", "backup_code").contains(method)) method = "totp";
        if (code == null || code.isBlank() || code.length() > 40) {
            render(ctx, 400, presented, returnTo, mfaToken, methods, "Enter the code.");
            return;
        }
        var info = web.info(ctx);
        SsoService.LoginOutcome.SignedIn s;
        try {
            s = mfa.complete(
                    mfaToken,
                    method,
                    mfa.codeCheck(method, mfaToken, code.trim()),
                    (h, user, login, m) -> sso.open(h, user.id(), login.firstMethod() + "+" + m, info),
                    info);
        } catch (Problem p) {
            if (p.code().equals("invalid_mfa_code")) {
                render(ctx, 400, presented, returnTo, mfaToken, methods, "The code is not correct.");
            } else {
                startOver(ctx, returnTo, 400, "This sign-in expired or had too many wrong codes. Please start again.");
            }
            return;
        }
        var cookie = new Cookie(
                LoginRoutes.SSO_COOKIE, s.cookieValue(), "/", (int) sso.ttl().toSeconds(), secureCookies);
        cookie.setHttpOnly(true);
        cookie.setSameSite(SameSite.LAX);
        ctx.cookie(cookie);
        ctx.removeCookie(LoginRoutes.CSRF_COOKIE, "/login");
        ctx.header("Cache-Control", "no-store");
        if (returnTo == null) Html.send(ctx, 200, Html.page("Signed in", "<p>You are signed in.</p>"));
        else ctx.redirect(returnTo, io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private static List<String> methodsOf(String field) {
        if (field == null || field.length() > 200) return List.of("totp");
        return List.of(field.split(",")).stream()
                .filter(m -> m.equals("totp") || m.equals("backup_code"))
                .toList();
    }

    private static void startOver(Context ctx, String returnTo, int status, String message) {
        String again = "/login"
                + (returnTo == null
                        ? ""
                        : "?return_to="
                                + java.net.URLEncoder.encode(returnTo, java.nio.charset.StandardCharsets.UTF_8));
        Html.send(
                ctx,
                status,
                Html.page(
                        "Sign in",
                        "<p class=\"error\" role=\"alert\">" + Html.escape(message) + "</p><p><a href=\""
                                + Html.escape(again) + "\">Sign in</a></p>"));
    }
}
