package dev.gatehouse.login;

import static dev.gatehouse.login.LinkFields.emailField;
import static dev.gatehouse.login.LinkFields.loginLink;
import static dev.gatehouse.login.LinkFields.paragraphLink;
import static dev.gatehouse.login.LinkFields.trimmed;
import static dev.gatehouse.login.LinkFields.validEmail;
import static dev.gatehouse.login.LinkFields.wellFormed;
import static dev.gatehouse.platform.http.Html.hidden;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.MailedLinks;
import dev.gatehouse.accounts.PasswordPolicy;
import dev.gatehouse.accounts.User;
import dev.gatehouse.auth.AuthRoutes;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormCsrf;
import dev.gatehouse.platform.http.FormPages;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;

/**
 * The hosted pages the account mails link to, and the pages that lead to them: {@code /register},
 * {@code /resend-verification} and {@code /verify-email} ({@link RegistrationPageRoutes}), {@code /forgot-password} and
 * {@code /reset-password} ({@link PasswordResetRoutes}), {@code /magic-link} ({@link MagicLinkRoutes}); this class
 * registers them and holds what they share. Plain HTML forms
 * (no JavaScript), CSRF-protected like the sign-in page, in the visitor's language, with the same rate limits and the
 * same answers as the {@code /v1} calls they stand for, so no page says whether an address has an account. A link
 * from a mail only shows a button: mail scanners and link previews open links, and none of them may verify an address,
 * spend a link or sign anyone in. {@code /password-change} ({@link PasswordChangeRoutes}) is registered here too, and
 * shares their form pages ({@link FormPages}), fields ({@link LinkFields}) and CSRF cookie.
 */
public final class AccountLinkRoutes implements RouteGroup {
    static final String CSRF_COOKIE = "gh_csrf_links";

    private final AccountService accounts;
    private final MailedLinks mailed;
    private final SsoService sso;
    private final SsoSignIn signIn;
    private final FormPages pages;
    private final Secrets secrets;
    private final FormCsrf loginCsrf;
    private final HostCookie ssoCookie;
    private final LoginRoutes.SignedInAnswer signedIn;

    public AccountLinkRoutes(
            AccountService accounts,
            MailedLinks mailed,
            SsoService sso,
            SsoSignIn signIn,
            Web web,
            Secrets secrets,
            boolean https,
            FormCsrf loginCsrf,
            HostCookie ssoCookie,
            LoginRoutes.SignedInAnswer signedIn) {
        this.accounts = accounts;
        this.mailed = mailed;
        this.sso = sso;
        this.signIn = signIn;
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
                RegistrationPageRoutes.RESEND_VERIFICATION,
                PasswordChangeRoutes.PASSWORD_CHANGE);
        new RegistrationPageRoutes(this, pages, accounts, mailed).routes(api);
        new PasswordResetRoutes(this, pages, mailed).routes(api);
        new MagicLinkRoutes(this, pages, mailed, sso, signIn, secrets, loginCsrf, ssoCookie, signedIn).routes(api);
        new PasswordChangeRoutes(accounts, sso, pages, ssoCookie, signedIn).routes(api);
    }

    static void page(
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

    // ---- what the pages share ----------------------------------------------------------------------------------

    /** A page whose form asks for an email address: drawn with a status, the address typed, and an error key or null. */
    @FunctionalInterface
    interface EmailForm {
        void show(Context ctx, int status, String email, String errorKey);
    }

    /**
     * A form post that mails a link to the address typed (a reset link, a sign-in link) under {@code rule}, keyed by
     * the address too: {@code form} again on a refusal, else the same page whether or not the address has an account.
     */
    void mailALink(
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
    void emailForm(
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
    record LinkPage(String titleKey, String introKey, String action, String submitKey, String again) {}

    static final LinkPage VERIFY =
            new LinkPage("links.verify.title", "links.verify.intro", "/verify-email", "links.verify.submit", null);
    static final LinkPage MAGIC =
            new LinkPage("links.magic.title", "links.magic.intro", "/magic-link", "links.magic.submit", "/magic-link");
    static final LinkPage RESET = new LinkPage(
            "links.reset.title", "links.reset.intro", "/reset-password", "links.reset.submit", "/forgot-password");

    /**
     * The link's page as opened from the mail: its button, or that the link is not valid (malformed, unknown, used or
     * expired), which opening it finds out without spending it.
     */
    void open(Context ctx, LinkPage page, String token) {
        boolean live = wellFormed(token)
                && (page.equals(MAGIC)
                        ? mailed.magicLinkAddress(token).isPresent()
                        : mailed.verificationAccount(token).isPresent());
        if (live) button(ctx, 200, page, token, null);
        else invalidLink(ctx, page);
    }

    /** The button that acts on the link's token; {@code errorKey} a message key or null. */
    void button(Context ctx, int status, LinkPage page, String token, String errorKey) {
        pages.form(
                ctx,
                status,
                page.titleKey(),
                page.introKey(),
                errorKey,
                page.action(),
                (page.equals(MAGIC)
                                ? signsInAs(ctx, token)
                                : page.equals(VERIFY) ? registrant(ctx, token, errorKey) : "")
                        + hidden("token", token),
                page.submitKey(),
                page.equals(VERIFY)
                        ? paragraphLink(Messages.of(ctx), "/forgot-password", "links.verify.not_mine")
                        : "");
    }

    /**
     * The account a verification link confirms, and its password when it has one: only its registrant confirms it
     * ({@link MailedLinks#verifyEmailAsRegistrant}); the owner of an address someone else registered resets the
     * password instead, through the link below the button.
     */
    private String registrant(Context ctx, String token, String errorKey) {
        var t = Messages.of(ctx);
        return mailed.verificationAccount(token)
                .map(u -> "<p id=\"link-account\">"
                        + t.markup("links.verify.account", "<strong>" + Html.escape(u.email()) + "</strong>")
                        + "</p>\n"
                        + (u.passwordHash() == null
                                ? ""
                                : """
                                <label for="password">%s</label>
                                <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="%d"%s>
                                """.formatted(
                                                t.html("login.password"),
                                                PasswordPolicy.MAX_LENGTH,
                                                "links.verify.wrong_password".equals(errorKey)
                                                        ? " aria-invalid=\"true\""
                                                        : "")))
                .orElse("");
    }

    /**
     * The account a sign-in link's button signs in to, named in full above it: a link someone mailed to themselves
     * and sent on would otherwise sign the visitor in to that account with one click (login CSRF), unnoticed. Whoever
     * holds the link may see its address; a masked one could look the same as the visitor's own.
     */
    private String signsInAs(Context ctx, String token) {
        return mailed.magicLinkAddress(token)
                .map(email -> "<p id=\"link-account\">"
                        + Messages.of(ctx).markup("links.magic.account", "<strong>" + Html.escape(email) + "</strong>")
                        + "</p>\n")
                .orElse("");
    }

    /**
     * The token of a post of the link's button, once its form and rate limit passed; null when the post was refused
     * and answered (a malformed token, a CSRF token that does not match, too many attempts).
     */
    String redeemable(Context ctx, LinkPage page) {
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
    void invalidLink(Context ctx, LinkPage page) {
        var t = Messages.of(ctx);
        pages.message(
                ctx,
                400,
                page.titleKey(),
                "links.error.invalid_link",
                page.again() == null ? "" : paragraphLink(t, page.again(), "links.new_link"));
    }
}
