package dev.gatehouse.login;

import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormCsrf;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;
import io.javalin.http.SameSite;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The hosted {@code /login} page: a plain HTML form (no JavaScript needed; a passkey button is added by
 * {@link PasskeyLoginRoutes}' script where WebAuthn works), CSRF-protected by a double-submit token (a random
 * value in a SameSite=Strict HttpOnly cookie that must match the hidden field), rate limited like the /v1 login, and
 * on success an SSO cookie and the answer to the pending authorization request ({@link SignedInAnswer}). Its
 * language follows {@link Messages#of(Context)}; a {@code ui_locales} parameter is carried along in a hidden field.
 */
public final class LoginRoutes implements RouteGroup {
    static final String SSO_COOKIE = "gh_sso";
    static final String CSRF_COOKIE = "gh_csrf";
    static final Rule LOGIN = new Rule("login", 10, Duration.ofMinutes(15));

    private final SsoService sso;
    private final SsoSignIn signIn;
    private final Web web;
    private final Secrets secrets;
    private final FormCsrf csrf;
    private final HostCookie ssoCookie;
    private final Function<String, Optional<URI>> redirectTarget;
    private final SignedInAnswer signedIn;
    private final boolean registrationOpen;

    /**
     * {@code redirectTarget} gives the client redirect URI a checked {@code return_to} ends at (the page's CSP must
     * allow it as a form-action, or browsers stop at the redirect after sign-in). {@code registrationOpen} shows the
     * link to the registration page.
     */
    public LoginRoutes(
            SsoService sso,
            SsoSignIn signIn,
            Web web,
            Secrets secrets,
            FormCsrf csrf,
            HostCookie ssoCookie,
            Function<String, Optional<URI>> redirectTarget,
            SignedInAnswer signedIn,
            boolean registrationOpen) {
        this.sso = sso;
        this.signIn = signIn;
        this.web = web;
        this.secrets = secrets;
        this.csrf = csrf;
        this.ssoCookie = ssoCookie;
        this.redirectTarget = redirectTarget;
        this.signedIn = signedIn;
        this.registrationOpen = registrationOpen;
    }

    @Override
    public void routes(Api api) {
        api.pages("/login"); // and /login/mfa, /login/passkey
        api.get("/login", this::form)
                .tag("pages")
                .summary("Hosted sign-in page")
                .returns(200, "HTML form");
        api.post("/login", this::submit)
                .tag("pages")
                .summary("Hosted sign-in form submission")
                .returns(200, "the second step's form when the account has a second factor; " + SignedInAnswer.PAGE)
                .returns(303, SignedInAnswer.REDIRECTED)
                .returns(400, "HTML form with an error")
                .returns(403, "HTML form: the CSRF token did not match, or the browser called the post cross-site")
                .returns(429, "HTML form: too many attempts (Retry-After)");
    }

    /**
     * The SSO cookie: {@code SameSite=Lax}, as a client sends the browser here by a top-level cross-site navigation;
     * {@code __Host-} over HTTPS (ADR 0023).
     */
    public static HostCookie ssoCookie(boolean https) {
        return new HostCookie(SSO_COOKIE, https, SameSite.LAX);
    }

    /** The CSRF protection shared by every form of the hosted sign-in ({@code /login} and its further steps). */
    public static FormCsrf csrf(boolean https) {
        return new FormCsrf(CSRF_COOKIE, "/login", https);
    }

    /** The account page a plain sign-in (no OAuth request) may return to. */
    public static final String ACCOUNT_PAGE = "/account/security";

    /** The authorization endpoint, whose requests come here to sign in and are answered by {@link SignedInAnswer}. */
    static final String AUTHORIZE = "/oauth2/authorize";

    /** {@code page} (a hosted page's path) that goes on to {@code returnTo} afterwards, or just the page for null. */
    public static String withReturn(String page, String returnTo) {
        return returnTo == null
                ? page
                : page + "?return_to=" + java.net.URLEncoder.encode(returnTo, java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Only a path back to our own authorization endpoint, device page or account page: never an open redirect.
     */
    static String safeReturn(String returnTo) {
        if (returnTo == null
                || !(returnTo.startsWith("/oauth2/authorize?")
                        || returnTo.equals(ACCOUNT_PAGE)
                        || returnTo.startsWith(ACCOUNT_PAGE + "?")
                        || returnTo.equals("/device")
                        || returnTo.startsWith("/device?"))
                || returnTo.contains("\\")
                || returnTo.length() > 8000) return null;
        return returnTo;
    }

    private void form(Context ctx) {
        // OIDC login_hint only prefills the field: nothing is looked up, so the page says nothing about the account.
        String hint = ctx.queryParam("login_hint");
        if (hint == null || hint.length() > 320) hint = "";
        render(ctx, 200, safeReturn(ctx.queryParam("return_to")), hint, null);
    }

    /** The sign-in page; {@code errorKey} a message key or null. Also the passkey endpoints' answer to a failure. */
    void render(Context ctx, int status, String returnTo, String email, String errorKey) {
        var t = Messages.of(ctx);
        String csrf = this.csrf.forPage(ctx, () -> secrets.token(""));
        String nonce = Html.nonce();
        // A refused passkey says nothing about the email and password fields.
        String invalid = errorKey == null || errorKey.startsWith("login.passkey.") ? "" : " aria-invalid=\"true\"";
        String body = (errorKey == null ? "" : Html.alert(t.get(errorKey)))
                + """
                <form method="post" action="/login">
                <input type="hidden" name="csrf" value="%s">
                <input type="hidden" name="return_to" value="%s">
                <input type="hidden" name="ui_locales" value="%s">
                <label for="email">%s</label>
                <input id="email" name="email" type="email" autocomplete="username" required value="%s"%s>
                <label for="password">%s</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required%s>
                <button type="submit">%s</button>
                </form>
                %s""".formatted(
                                Html.escape(csrf),
                                Html.escape(returnTo == null ? "" : returnTo),
                                Html.escape(Messages.uiLocales(ctx)),
                                t.html("login.email"),
                                Html.escape(email),
                                invalid,
                                t.html("login.password"),
                                invalid,
                                t.html("login.submit"),
                                // Passwordless: hidden until the script finds WebAuthn (ADR 0010).
                                WebAuthnMarkup.passkeySection(t, csrf, returnTo, Messages.uiLocales(ctx))
                                        + WebAuthnMarkup.scriptTag(nonce)
                                        + otherWays(t, "login.error.unverified".equals(errorKey), returnTo));
        URI target = returnTo == null ? null : redirectTarget.apply(returnTo).orElse(null);
        Html.send(ctx, status, Html.page(t, t.get("login.title"), body), target, nonce);
    }

    /**
     * Links to the account pages (AccountLinkRoutes): a new verification link (after a sign-in refused for want of
     * one), a forgotten password, a sign-in link, a new account (which comes back to {@code returnTo}).
     */
    private String otherWays(Messages t, boolean unverified, String returnTo) {
        return "\n<ul>\n"
                + (unverified
                        ? "<li><a href=\"" + RegistrationPageRoutes.RESEND_VERIFICATION + "\">" + t.html("login.resend")
                                + "</a></li>\n"
                        : "")
                + "<li><a href=\"/forgot-password\">" + t.html("login.forgot") + "</a></li>\n"
                + "<li><a href=\"/magic-link\">" + t.html("login.magic_link") + "</a></li>\n"
                + (registrationOpen
                        ? "<li><a href=\"" + Html.escape(withReturn("/register", returnTo)) + "\">"
                                + t.html("login.register") + "</a></li>\n"
                        : "")
                + "</ul>\n";
    }

    private void submit(Context ctx) {
        String returnTo = safeReturn(ctx.formParam("return_to"));
        String email = ctx.formParam("email");
        String presented = csrf.checked(ctx);
        if (presented == null) {
            render(ctx, 403, returnTo, email, "login.error.expired");
            return;
        }
        try {
            // The account's bucket is keyed by the address as typed; nothing longer than an address can be is one.
            String account =
                    email == null || email.length() > 320 ? "" : email.trim().toLowerCase(Locale.ROOT);
            web.limit(ctx, LOGIN, account);
        } catch (Problem p) {
            if (p.status() != 429) throw p;
            p.headers().forEach(ctx::header); // Retry-After
            render(ctx, 429, returnTo, email, "login.error.too_many");
            return;
        }
        var current = sso.findToEnd(ssoCookie.read(ctx));
        switch (signIn.login(email, ctx.formParam("password"), current, web.info(ctx))) {
            case LoginOutcome.Refused r -> render(ctx, 400, returnTo, email, "login.error.refused");
            case LoginOutcome.EmailNotVerified n -> render(ctx, 403, returnTo, email, "login.error.unverified");
            case LoginOutcome.MfaRequired m ->
                LoginMfaRoutes.render(
                        ctx,
                        200,
                        presented,
                        returnTo,
                        m.mfaToken(),
                        m.methods(),
                        null,
                        returnTo == null ? null : redirectTarget.apply(returnTo).orElse(null));
            case LoginOutcome.SignedIn s -> signedIn.send(ctx, s, current, returnTo);
        }
    }

    /**
     * What every hosted sign-in step answers once the browser is signed in (the password form, the second step, the
     * step-up, a passkey): the SSO cookie, the page's CSRF cookie dropped, and then the request the sign-in was for. A
     * pending authorization request is answered in this same response through {@link Resume} (ADR 0021): the browser
     * goes straight to the client with its code, or on to the consent page, instead of back through the authorization
     * endpoint first. Other return paths (the device page, the account page) are redirected to; without one, a short
     * "signed in" page.
     */
    public static final class SignedInAnswer {
        /** Answers the authorization request a browser has just signed in for. */
        @FunctionalInterface
        public interface Resume {
            /**
             * {@code returnTo} is a path back to the authorization endpoint that {@link #safeReturn} accepted (so still
             * the browser's word, not trusted beyond that); {@code session} is the SSO session the sign-in opened or
             * raised, whose cookie is already set on {@code ctx}.
             */
            void answer(Context ctx, String returnTo, SsoSession session);
        }

        /**
         * Ends the SSO session a browser held before it signed in as someone else (or into another session): with its
         * cookie replaced nothing could reach it any more, so its clients would stay signed in with no way out. It ends
         * as a logout does, and its clients hear of it by back-channel.
         */
        @FunctionalInterface
        public interface EndReplaced {
            void end(SsoSession previous, dev.gatehouse.platform.http.RequestInfo info);
        }

        /** The OpenAPI descriptions of the answers below, for each route that signs a browser in. */
        static final String REDIRECTED =
                "signed in: the client's redirect with the authorization response, or the consent"
                        + " page, the second step, the device page or the account page";

        static final String PAGE = "signed in: the form_post authorization response, or a page saying so";

        private final Web web;
        private final SsoService sso;
        private final Duration ttl;
        private final HostCookie ssoCookie;
        private final FormCsrf csrf;
        private final Resume resume;
        private final EndReplaced endReplaced;

        public SignedInAnswer(
                SsoService sso, Web web, HostCookie ssoCookie, FormCsrf csrf, Resume resume, EndReplaced endReplaced) {
            this.web = web;
            this.sso = sso;
            this.ttl = sso.ttl();
            this.ssoCookie = ssoCookie;
            this.csrf = csrf;
            this.resume = resume;
            this.endReplaced = endReplaced;
        }

        /**
         * Sets the SSO cookie of {@code s}, drops the CSRF cookie, ends {@code previous} (the session the browser's old
         * cookie held, as the caller read it before signing in) when it is another one ({@link EndReplaced}), answers
         * for {@code returnTo} (checked, or null).
         */
        void send(Context ctx, LoginOutcome.SignedIn s, Optional<SsoSession> previous, String returnTo) {
            previous.filter(p -> !p.id().equals(s.session().id())).ifPresent(p -> endReplaced.end(p, web.info(ctx)));
            ssoCookie.set(ctx, s.cookieValue(), (int) ttl.toSeconds());
            csrf.clear(ctx);
            ctx.header("Cache-Control", "no-store");
            if (returnTo == null) {
                var t = Messages.of(ctx);
                Html.send(
                        ctx,
                        200,
                        Html.page(
                                t,
                                t.get("login.done.title"),
                                "<p>" + t.html("login.done.text") + "</p>\n<p><a href=\"" + ACCOUNT_PAGE + "\">"
                                        + t.html("login.done.account") + "</a></p>"));
            } else if (returnTo.startsWith(AUTHORIZE + "?")) {
                // The authorization endpoint's decision sends a user who must change the password there first.
                resume.answer(ctx, returnTo, s.session());
            } else if (sso.mustChangePassword(s.session())) {
                ctx.redirect(SsoService.passwordChangeFirst(returnTo), io.javalin.http.HttpStatus.SEE_OTHER);
            } else {
                ctx.redirect(returnTo, io.javalin.http.HttpStatus.SEE_OTHER);
            }
        }
    }
}
