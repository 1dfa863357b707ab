package dev.gatehouse.login;

import static dev.gatehouse.login.LinkFields.badName;
import static dev.gatehouse.login.LinkFields.emailField;
import static dev.gatehouse.login.LinkFields.loginLink;
import static dev.gatehouse.login.LinkFields.paragraphLink;
import static dev.gatehouse.login.LinkFields.passwordField;
import static dev.gatehouse.login.LinkFields.trimmed;
import static dev.gatehouse.login.LinkFields.validEmail;
import static dev.gatehouse.login.LinkFields.weaknessKey;
import static dev.gatehouse.platform.http.Html.hidden;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.MailedLinks;
import dev.gatehouse.accounts.PasswordPolicy;
import dev.gatehouse.auth.AuthRoutes;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormPages;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import io.javalin.http.Context;

/**
 * The hosted pages of a new account's address: {@code /register}, {@code /resend-verification} and the verification
 * link's {@code /verify-email}, with the shared parts of {@link AccountLinkRoutes}.
 */
final class RegistrationPageRoutes implements RouteGroup {
    private final AccountLinkRoutes links;
    private final FormPages pages;
    private final AccountService accounts;
    private final MailedLinks mailed;

    RegistrationPageRoutes(AccountLinkRoutes links, FormPages pages, AccountService accounts, MailedLinks mailed) {
        this.links = links;
        this.pages = pages;
        this.accounts = accounts;
        this.mailed = mailed;
    }

    @Override
    public void routes(Api api) {
        AccountLinkRoutes.page(
                api,
                "/register",
                this::registerForm,
                this::register,
                "Hosted registration page; return_to: a request to go on with after signing in (prompt=create)",
                "a page to check mail (with return_to, a link on to the sign-in)");
        AccountLinkRoutes.page(
                api,
                "/verify-email",
                this::verifyForm,
                this::verify,
                "Hosted page confirming a registration with a verification link's token and the account's password (ADR 0033)",
                "a page saying the address is confirmed");
        AccountLinkRoutes.page(
                api,
                RESEND_VERIFICATION,
                this::resendForm,
                this::resend,
                "Hosted page asking for a new verification link",
                "a page to check mail (the same whether or not the address has an account waiting for it)");
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
        if (badName(first) || badName(last)) {
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

    // ---- /resend-verification ---------------------------------------------------------------------------------------

    /**
     * The hosted page that mails a new verification link: the way out for someone who may not sign in before the
     * address is verified and lost the first mail (a sign-in link would prove the address too, but it drops the
     * password of an unproven account).
     */
    static final String RESEND_VERIFICATION = "/resend-verification";

    private void resendForm(Context ctx) {
        resendPage(ctx, 200, "", null);
    }

    private void resendPage(Context ctx, int status, String email, String errorKey) {
        links.emailForm(
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
        links.mailALink(
                ctx,
                AuthRoutes.SEND_VERIFICATION,
                this::resendPage,
                mailed::resendVerification,
                "links.resend.title",
                "links.resend.sent");
    }

    // ---- /verify-email ----------------------------------------------------------------------------------------------

    private void verifyForm(Context ctx) {
        links.open(ctx, AccountLinkRoutes.VERIFY, ctx.queryParam("token"));
    }

    private void verify(Context ctx) {
        String token = links.redeemable(ctx, AccountLinkRoutes.VERIFY);
        if (token == null) return;
        try {
            mailed.verifyEmailAsRegistrant(token, ctx.formParam("password"), pages.pageInfo(ctx));
        } catch (Problem p) {
            if (p.status() >= 500) throw p;
            if ("wrong_password".equals(p.code()))
                links.button(ctx, 400, AccountLinkRoutes.VERIFY, token, "links.verify.wrong_password");
            else links.invalidLink(ctx, AccountLinkRoutes.VERIFY);
            return;
        }
        pages.message(
                ctx, 200, AccountLinkRoutes.VERIFY.titleKey(), "links.verify.done", loginLink(Messages.of(ctx), null));
    }
}
