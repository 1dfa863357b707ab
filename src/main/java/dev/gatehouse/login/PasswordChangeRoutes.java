package dev.gatehouse.login;

import static dev.gatehouse.login.LinkFields.passwordField;
import static dev.gatehouse.login.LinkFields.weaknessKey;
import static dev.gatehouse.platform.http.Html.hidden;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.PasswordPolicy;
import dev.gatehouse.auth.AuthRoutes;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormPages;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import io.javalin.http.Context;

/**
 * {@code /password-change}: the signed-in user chooses a new password with the current one; where the sign-in goes
 * first when an administrator asked for a new password, before any client hears of it. Changing it ends every other
 * session of the account, and this browser's sign-in goes on to {@code return_to}.
 */
final class PasswordChangeRoutes implements RouteGroup {
    private final AccountService accounts;
    private final SsoService sso;
    private final FormPages pages;
    private final HostCookie ssoCookie;
    private final LoginRoutes.SignedInAnswer signedIn;

    PasswordChangeRoutes(
            AccountService accounts,
            SsoService sso,
            FormPages pages,
            HostCookie ssoCookie,
            LoginRoutes.SignedInAnswer signedIn) {
        this.accounts = accounts;
        this.sso = sso;
        this.pages = pages;
        this.ssoCookie = ssoCookie;
        this.signedIn = signedIn;
    }

    @Override
    public void routes(Api api) {
        api.get(PASSWORD_CHANGE, this::changeForm)
                .tag("pages")
                .summary("Hosted page changing the signed-in user's password (required first when an administrator"
                        + " asked for it); return_to: where to go on")
                .returns(200, "HTML page")
                .returns(303, "not signed in: to /login");
        api.post(PASSWORD_CHANGE, this::change)
                .tag("pages")
                .summary("Hosted page changing the signed-in user's password (form submission)")
                .returns(303, "changed: on to return_to (the authorization request, the device page, the account page)")
                .returns(200, "changed: a page saying so, without return_to")
                .returns(400, "HTML page: the current password is wrong, the new one is refused, or they differ")
                .returns(403, "HTML page: the CSRF token did not match")
                .returns(429, "HTML page: too many attempts (Retry-After)");
    }

    /** The hosted page that changes the signed-in user's password; where the sign-in goes when one is required. */
    public static final String PASSWORD_CHANGE = "/password-change";

    private void changeForm(Context ctx) {
        String returnTo = LoginRoutes.safeReturn(ctx.queryParam("return_to"));
        var session = sso.find(ssoCookie.read(ctx));
        if (session.isEmpty()) {
            toLogin(ctx, returnTo);
            return;
        }
        changePage(ctx, 200, session.get(), returnTo, null);
    }

    private void changePage(Context ctx, int status, SsoSession session, String returnTo, String errorKey) {
        var t = Messages.of(ctx);
        boolean required = sso.mustChangePassword(session);
        boolean wrongCurrent = "links.password_change.wrong_current".equals(errorKey);
        pages.form(
                ctx,
                status,
                "links.password_change.title",
                required ? "links.password_change.required" : "links.password_change.intro",
                errorKey,
                PASSWORD_CHANGE,
                (returnTo == null ? "" : hidden("return_to", returnTo))
                        + """
                        <label for="current_password">%s</label>
                        <input id="current_password" name="current_password" type="password" autocomplete="current-password" required maxlength="%d"%s>
                        """.formatted(
                                        t.html("links.password_change.current"),
                                        PasswordPolicy.MAX_LENGTH,
                                        wrongCurrent ? " aria-invalid=\"true\"" : "")
                        + passwordField(t, "new_password", "links.reset.new_password", errorKey)
                        + passwordField(t, "confirm_password", "links.reset.confirm_password", errorKey),
                "links.password_change.submit",
                "");
    }

    private void change(Context ctx) {
        String returnTo = LoginRoutes.safeReturn(ctx.formParam("return_to"));
        var found = sso.find(ssoCookie.read(ctx));
        if (found.isEmpty()) {
            toLogin(ctx, returnTo);
            return;
        }
        SsoSession session = found.get();
        if (pages.csrf.checked(ctx) == null) {
            changePage(ctx, 403, session, returnTo, "links.error.expired");
            return;
        }
        String current = ctx.formParam("current_password");
        String next = ctx.formParam("new_password");
        if (current == null || current.isEmpty() || current.length() > PasswordPolicy.MAX_LENGTH) {
            changePage(ctx, 400, session, returnTo, "links.password_change.wrong_current");
            return;
        }
        if (next == null || next.isEmpty()) {
            changePage(ctx, 400, session, returnTo, PasswordPolicy.Weakness.TOO_SHORT.key());
            return;
        }
        if (!next.equals(ctx.formParam("confirm_password"))) {
            changePage(ctx, 400, session, returnTo, "links.reset.mismatch");
            return;
        }
        if (next.length() > PasswordPolicy.MAX_LENGTH) {
            changePage(ctx, 400, session, returnTo, PasswordPolicy.Weakness.TOO_LONG.key());
            return;
        }
        if (!pages.limited(
                ctx,
                AuthRoutes.CHANGE_PASSWORD,
                () -> changePage(ctx, 429, session, returnTo, "links.error.too_many"),
                session.userId().toString())) return;
        try {
            accounts.changePassword(session.userId(), java.util.Optional.empty(), current, next, pages.pageInfo(ctx));
        } catch (Problem p) {
            if (p.status() >= 500 || p.errors().isEmpty()) throw p;
            String key = p.errors().containsKey("current_password")
                    ? "links.password_change.wrong_current"
                    : p.errors().getOrDefault("new_password", "").startsWith("must differ")
                            ? "links.password_change.same"
                            : weaknessKey(p);
            changePage(ctx, 400, session, returnTo, key);
            return;
        }
        // Changing the password ended every session of the account, this browser's too: its sign-in goes on.
        pages.csrf.clear(ctx);
        signedIn.send(
                ctx,
                sso.continueAfterPasswordChange(session, pages.pageInfo(ctx)),
                java.util.Optional.empty(),
                returnTo);
    }

    private static void toLogin(Context ctx, String returnTo) {
        ctx.redirect(LoginRoutes.withReturn("/login", returnTo), io.javalin.http.HttpStatus.SEE_OTHER);
    }
}
