package dev.gatehouse.login;

import static dev.gatehouse.login.LinkFields.emailField;
import static dev.gatehouse.login.LinkFields.loginLink;
import static dev.gatehouse.login.LinkFields.paragraphLink;
import static dev.gatehouse.login.LinkFields.passwordField;
import static dev.gatehouse.login.LinkFields.tooLong;
import static dev.gatehouse.login.LinkFields.trimmed;
import static dev.gatehouse.login.LinkFields.validEmail;
import static dev.gatehouse.login.LinkFields.weaknessKey;
import static dev.gatehouse.login.LinkFields.wellFormed;
import static dev.gatehouse.platform.http.Html.hidden;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.PasswordPolicy;
import dev.gatehouse.accounts.User;
import dev.gatehouse.auth.AuthRoutes;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormCsrf;
import dev.gatehouse.platform.http.FormPages;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;

/**
 * The hosted pages the account mails link to, and the pages that lead to them: {@code /register},
 * {@code /forgot-password}, {@code /reset-password}, {@code /verify-email} and {@code /magic-link}. Plain HTML forms
 * (no JavaScript), CSRF-protected like the sign-in page, in the visitor's language, with the same rate limits and the
 * same answers as the {@code /v1} calls they stand for, so no page says whether an address has an account. A link
 * from a mail only shows a button: mail scanners and link previews open links, and none of them may verify an address,
 * spend a link or sign anyone in. {@code /password-change} ({@link PasswordChangeRoutes}) is registered here too, and
 * shares their form pages ({@link FormPages}), fields ({@link LinkFields}) and CSRF cookie.
 */
public final class AccountLinkRoutes implements RouteGroup {
    static final String CSRF_COOKIE = "gh_csrf_links";

    private final AccountService accounts;
    private final SsoService sso;
    private final FormPages pages;
    private final Secrets secrets;
    private final FormCsrf loginCsrf;
    private final HostCookie ssoCookie;
    private final LoginRoutes.SignedInAnswer signedIn;

    public AccountLinkRoutes(
            AccountService accounts,
            SsoService sso,
            Web web,
            Secrets secrets,
            boolean https,
            FormCsrf loginCsrf,
            HostCookie ssoCookie,
            LoginRoutes.SignedInAnswer signedIn) {
        this.accounts = accounts;
        this.sso = sso;
        this.pages = new FormPages(web, secrets, new FormCsrf(CSRF_COOKIE, "/", https));
        this.secrets = secrets;
        this.loginCsrf = loginCsrf;
        this.ssoCookie = ssoCookie;
        this.signedIn = signedIn;
    }

    @Override
    public void routes(Api api) {
        api.pages(
                "/register",
                "/forgot-password",
                "/reset-password",
                "/verify-email",
                "/magic-link",
                RESEND_VERIFICATION,
                PasswordChangeRoutes.PASSWORD_CHANGE);
        page(
                api,
                "/register",
                this::registerForm,
                this::register,
                "Hosted registration page; return_to: a request to go on with after signing in (prompt=create)",
                "a page to check mail (with return_to, a link on to the sign-in)");
        page(
                api,
                "/forgot-password",
                this::forgotForm,
                this::forgot,
                "Hosted page asking for a password reset link",
                "a page to check mail (the same whether or not the address has an account)");
        page(
                api,
                "/reset-password",
                this::resetForm,
                this::reset,
                "Hosted page choosing a new password with a reset link's token",
                "a page saying the password changed");
        page(
                api,
                "/verify-email",
                this::verifyForm,
                this::verify,
                "Hosted page confirming an address with a verification link's token",
                "a page saying the address is confirmed");
        page(
                api,
                "/magic-link",
                this::linkForm,
                this::link,
                "Hosted page signing in with a sign-in link's token, or asking for one",
                "signed in (the account page), the second step, or a page to check mail");
        page(
                api,
                RESEND_VERIFICATION,
                this::resendForm,
                this::resend,
                "Hosted page asking for a new verification link",
                "a page to check mail (the same whether or not the address has an account waiting for it)");
        new PasswordChangeRoutes(accounts, sso, pages, ssoCookie, signedIn).routes(api);
    }

    private static void page(
            Api api,
            String path,
            io.javalin.http.Handler form,
            io.javalin.http.Handler post,
            String summary,
            String ok) {
        api.get(path, form).tag("pages").summary(summary).returns(200, "HTML page");
        api.post(path, post)
                .tag("pages")
                .summary(summary + " (form submission)")
                .returns(200, ok)
                .returns(400, "HTML page: the form's error, or a link that is invalid, used or expired")
                .returns(403, "HTML page: the CSRF token did not match, or registration is closed")
                .returns(429, "HTML page: too many attempts (Retry-After)");
    }

    // ---- /register --------------------------------------------------------------------------------------------------

    private void registerForm(Context ctx) {
        if (!accounts.registrationEnabled()) {
            pages.message(ctx, 403, "links.register.title", "links.register.closed");
            return;
        }
        registerPage(ctx, 200, "", LoginRoutes.safeReturn(ctx.queryParam("return_to")), null);
    }

    /**
     * The registration form; {@code returnTo}, a request the sign-in continues (an authorization request with
     * {@code prompt=create}, or the sign-in page's link), goes along to the sign-in that follows.
     */
    private void registerPage(Context ctx, int status, String email, String returnTo, String errorKey) {
        var t = Messages.of(ctx);
        pages.form(
                ctx,
                status,
                "links.register.title",
                "links.register.intro",
                errorKey,
                "/register",
                (returnTo == null ? "" : hidden("return_to", returnTo))
                        + emailField(t, email, errorKey != null && errorKey.startsWith("links.error.email"))
                        + passwordField(t, "password", "links.password", errorKey)
                        + """
                        <label for="first_name">%s</label>
                        <input id="first_name" name="first_name" autocomplete="given-name" maxlength="100">
                        <label for="last_name">%s</label>
                        <input id="last_name" name="last_name" autocomplete="family-name" maxlength="100">
                        """.formatted(t.html("links.first_name"), t.html("links.last_name")),
                "links.register.submit",
                loginLink(t, returnTo));
    }

    private void register(Context ctx) {
        String email = trimmed(ctx.formParam("email"));
        String returnTo = LoginRoutes.safeReturn(ctx.formParam("return_to"));
        if (!accounts.registrationEnabled()) {
            pages.message(ctx, 403, "links.register.title", "links.register.closed");
            return;
        }
        if (pages.csrf.checked(ctx) == null) {
            registerPage(ctx, 403, email, returnTo, "links.error.expired");
            return;
        }
        String password = ctx.formParam("password");
        if (!validEmail(email)) {
            registerPage(ctx, 400, email, returnTo, "links.error.email");
            return;
        }
        String first = ctx.formParam("first_name");
        String last = ctx.formParam("last_name");
        if (tooLong(first) || tooLong(last)) {
            registerPage(ctx, 400, email, returnTo, "links.error.name");
            return;
        }
        if (password == null || password.isEmpty()) {
            registerPage(ctx, 400, email, returnTo, PasswordPolicy.Weakness.TOO_SHORT.key());
            return;
        }
        if (password.length() > PasswordPolicy.MAX_LENGTH) {
            registerPage(ctx, 400, email, returnTo, PasswordPolicy.Weakness.TOO_LONG.key());
            return;
        }
        if (!pages.limited(
                ctx, AuthRoutes.REGISTER, () -> registerPage(ctx, 429, email, returnTo, "links.error.too_many")))
            return;
        try {
            accounts.register(email, password, first, last, pages.pageInfo(ctx));
        } catch (Problem p) {
            if (p.status() >= 500) throw p;
            registerPage(ctx, 400, email, returnTo, weaknessKey(p));
            return;
        }
        // The same answer whether the address was new or not (no account enumeration); a request waiting for the new
        // account goes on at the sign-in, where the address is filled in.
        if (returnTo == null) {
            pages.message(ctx, 200, "links.register.title", "links.register.sent");
        } else {
            String signIn = LoginRoutes.withReturn("/login", returnTo) + "&login_hint="
                    + java.net.URLEncoder.encode(email, java.nio.charset.StandardCharsets.UTF_8);
            pages.message(
                    ctx,
                    200,
                    "links.register.title",
                    "links.register.sent",
                    paragraphLink(Messages.of(ctx), signIn, "links.register.continue"));
        }
    }

    // ---- /forgot-password -------------------------------------------------------------------------------------------

    private void forgotForm(Context ctx) {
        forgotPage(ctx, 200, "", null);
    }

    private void forgotPage(Context ctx, int status, String email, String errorKey) {
        emailForm(
                ctx,
                status,
                email,
                errorKey,
                "links.forgot.title",
                "links.forgot.intro",
                "/forgot-password",
                "links.forgot.submit");
    }

    private void forgot(Context ctx) {
        mailALink(
                ctx,
                AuthRoutes.FORGOT_PASSWORD,
                this::forgotPage,
                accounts::forgotPassword,
                "links.forgot.title",
                "links.forgot.sent");
    }

    // ---- /reset-password --------------------------------------------------------------------------------------------

    private void resetForm(Context ctx) {
        String token = ctx.queryParam("token");
        if (!wellFormed(token)) {
            invalidLink(ctx, RESET);
            return;
        }
        resetPage(ctx, 200, token, null);
    }

    private void resetPage(Context ctx, int status, String token, String errorKey) {
        var t = Messages.of(ctx);
        pages.form(
                ctx,
                status,
                RESET.titleKey(),
                RESET.introKey(),
                errorKey,
                RESET.action(),
                hidden("token", token)
                        + passwordField(t, "new_password", "links.reset.new_password", errorKey)
                        + passwordField(t, "confirm_password", "links.reset.confirm_password", errorKey),
                RESET.submitKey(),
                "");
    }

    private void reset(Context ctx) {
        String token = ctx.formParam("token");
        if (!wellFormed(token)) {
            invalidLink(ctx, RESET);
            return;
        }
        if (pages.csrf.checked(ctx) == null) {
            resetPage(ctx, 403, token, "links.error.expired");
            return;
        }
        String password = ctx.formParam("new_password");
        if (password == null || password.isEmpty()) {
            resetPage(ctx, 400, token, PasswordPolicy.Weakness.TOO_SHORT.key());
            return;
        }
        if (!password.equals(ctx.formParam("confirm_password"))) {
            resetPage(ctx, 400, token, "links.reset.mismatch");
            return;
        }
        if (password.length() > PasswordPolicy.MAX_LENGTH) {
            resetPage(ctx, 400, token, PasswordPolicy.Weakness.TOO_LONG.key());
            return;
        }
        if (!pages.limited(ctx, AuthRoutes.TOKEN_REDEEM, () -> resetPage(ctx, 429, token, "links.error.too_many")))
            return;
        try {
            accounts.resetPassword(token, password, pages.pageInfo(ctx));
        } catch (Problem p) {
            if (p.status() >= 500) throw p;
            if (p.errors().isEmpty()) invalidLink(ctx, RESET);
            else resetPage(ctx, 400, token, weaknessKey(p));
            return;
        }
        pages.message(ctx, 200, RESET.titleKey(), "links.reset.done", loginLink(Messages.of(ctx), null));
    }

    // ---- /resend-verification
    // ----------------------------------------------------------------------------------------

    /**
     * The hosted page that mails a new verification link: the way out for someone who may not sign in before the
     * address is verified and lost the first mail (a sign-in link would prove the address too, but it drops the
     * password of an unproven account).
     */
    public static final String RESEND_VERIFICATION = "/resend-verification";

    private void resendForm(Context ctx) {
        resendPage(ctx, 200, "", null);
    }

    private void resendPage(Context ctx, int status, String email, String errorKey) {
        emailForm(
                ctx,
                status,
                email,
                errorKey,
                "links.resend.title",
                "links.resend.intro",
                RESEND_VERIFICATION,
                "links.resend.submit");
    }

    private void resend(Context ctx) {
        mailALink(
                ctx,
                AuthRoutes.SEND_VERIFICATION,
                this::resendPage,
                accounts::resendVerification,
                "links.resend.title",
                "links.resend.sent");
    }

    // ---- /verify-email ----------------------------------------------------------------------------------------------

    private void verifyForm(Context ctx) {
        open(ctx, VERIFY, ctx.queryParam("token"));
    }

    private void verify(Context ctx) {
        String token = redeemable(ctx, VERIFY);
        if (token == null) return;
        try {
            accounts.verifyEmail(token, pages.pageInfo(ctx));
        } catch (Problem p) {
            if (p.status() >= 500) throw p;
            invalidLink(ctx, VERIFY);
            return;
        }
        pages.message(ctx, 200, VERIFY.titleKey(), "links.verify.done", loginLink(Messages.of(ctx), null));
    }

    // ---- /magic-link ------------------------------------------------------------------------------------------------

    private void linkForm(Context ctx) {
        String token = ctx.queryParam("token");
        if (token == null) askForLink(ctx, 200, "", null);
        else open(ctx, MAGIC, token);
    }

    /** The form that asks for a sign-in link by mail. */
    private void askForLink(Context ctx, int status, String email, String errorKey) {
        emailForm(
                ctx,
                status,
                email,
                errorKey,
                "links.magic.title",
                "links.magic.ask",
                "/magic-link",
                "links.magic.send");
    }

    private void link(Context ctx) {
        if (ctx.formParam("token") == null) {
            sendLink(ctx);
            return;
        }
        String token = redeemable(ctx, MAGIC);
        if (token == null) return;
        var current = sso.findToEnd(ssoCookie.read(ctx));
        switch (sso.signInWithLink(token, current, pages.pageInfo(ctx))) {
            case SsoService.LoginOutcome.SignedIn s -> signedIn.send(ctx, s, current, LoginRoutes.ACCOUNT_PAGE);
            case SsoService.LoginOutcome.MfaRequired m -> {
                // The second step is the sign-in page's own, under its CSRF cookie.
                pages.csrf.clear(ctx);
                String loginToken = loginCsrf.forPage(ctx, () -> secrets.token(""));
                LoginMfaRoutes.render(
                        ctx, 200, loginToken, LoginRoutes.ACCOUNT_PAGE, m.mfaToken(), m.methods(), null, null);
            }
            case SsoService.LoginOutcome.Refused r -> invalidLink(ctx, MAGIC);
            case SsoService.LoginOutcome.EmailNotVerified n -> invalidLink(ctx, MAGIC);
        }
    }

    private void sendLink(Context ctx) {
        mailALink(
                ctx,
                AuthRoutes.MAGIC_LINK,
                this::askForLink,
                accounts::sendMagicLink,
                "links.magic.title",
                "links.magic.sent");
    }

    /** A page whose form asks for an email address: drawn with a status, the address typed, and an error key or null. */
    @FunctionalInterface
    private interface EmailForm {
        void show(Context ctx, int status, String email, String errorKey);
    }

    /**
     * A form post that mails a link to the address typed (a reset link, a sign-in link) under {@code rule}, keyed by
     * the address too: {@code form} again on a refusal, else the same page whether or not the address has an account.
     */
    private void mailALink(
            Context ctx,
            Rule rule,
            EmailForm form,
            java.util.function.BiConsumer<String, RequestInfo> mail,
            String titleKey,
            String sentKey) {
        String email = trimmed(ctx.formParam("email"));
        if (pages.csrf.checked(ctx) == null) {
            form.show(ctx, 403, email, "links.error.expired");
            return;
        }
        if (!validEmail(email)) {
            form.show(ctx, 400, email, "links.error.email");
            return;
        }
        if (!pages.limited(ctx, rule, () -> form.show(ctx, 429, email, "links.error.too_many"), User.normalize(email)))
            return;
        mail.accept(email, pages.pageInfo(ctx));
        pages.message(ctx, 200, titleKey, sentKey);
    }

    /** A form that asks for an address and mails a link there ({@code errorKey} a message key or null). */
    private void emailForm(
            Context ctx,
            int status,
            String email,
            String errorKey,
            String titleKey,
            String introKey,
            String action,
            String submitKey) {
        var t = Messages.of(ctx);
        pages.form(
                ctx,
                status,
                titleKey,
                introKey,
                errorKey,
                action,
                emailField(t, email, errorKey != null && errorKey.startsWith("links.error.email")),
                submitKey,
                loginLink(t, null));
    }

    /**
     * A page a mailed link opens: its title, the words above its button, where the button posts (also the page's own
     * path), the button, and where to ask for a new link (or null).
     */
    private record LinkPage(String titleKey, String introKey, String action, String submitKey, String again) {}

    private static final LinkPage VERIFY =
            new LinkPage("links.verify.title", "links.verify.intro", "/verify-email", "links.verify.submit", null);
    private static final LinkPage MAGIC =
            new LinkPage("links.magic.title", "links.magic.intro", "/magic-link", "links.magic.submit", "/magic-link");
    private static final LinkPage RESET = new LinkPage(
            "links.reset.title", "links.reset.intro", "/reset-password", "links.reset.submit", "/forgot-password");

    /** The link's page as opened from the mail: its button, or that the link is not valid. */
    private void open(Context ctx, LinkPage page, String token) {
        if (wellFormed(token)) button(ctx, 200, page, token, null);
        else invalidLink(ctx, page);
    }

    /** The button that acts on the link's token; {@code errorKey} a message key or null. */
    private void button(Context ctx, int status, LinkPage page, String token, String errorKey) {
        pages.form(
                ctx,
                status,
                page.titleKey(),
                page.introKey(),
                errorKey,
                page.action(),
                hidden("token", token),
                page.submitKey(),
                "");
    }

    /**
     * The token of a post of the link's button, once its form and rate limit passed; null when the post was refused
     * and answered (a malformed token, a CSRF token that does not match, too many attempts).
     */
    private String redeemable(Context ctx, LinkPage page) {
        String token = ctx.formParam("token");
        if (!wellFormed(token)) {
            invalidLink(ctx, page);
            return null;
        }
        if (pages.csrf.checked(ctx) == null) {
            button(ctx, 403, page, token, "links.error.expired");
            return null;
        }
        if (!pages.limited(ctx, AuthRoutes.TOKEN_REDEEM, () -> button(ctx, 429, page, token, "links.error.too_many")))
            return null;
        return token;
    }

    /** A link that is malformed, unknown, used or expired, with where to get a new one (when there is one). */
    private void invalidLink(Context ctx, LinkPage page) {
        var t = Messages.of(ctx);
        pages.message(
                ctx,
                400,
                page.titleKey(),
                "links.error.invalid_link",
                page.again() == null ? "" : paragraphLink(t, page.again(), "links.new_link"));
    }
}
