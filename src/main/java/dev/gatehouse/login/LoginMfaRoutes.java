package dev.gatehouse.login;

import dev.gatehouse.mfa.MfaFactors;
import dev.gatehouse.mfa.MfaService;
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
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The second step of the hosted {@code /login}: after a right password, an account with a second factor is asked for
 * a TOTP, emailed or backup code (its choice; the form's second button mails the code) or, with a script, a security
 * key or passkey ({@link LoginWebAuthnRoutes}). The pending login is the same {@code mfa_token} as in the API (5 minutes, 5
 * attempts, single use); the form carries it and the CSRF token of the first step. Localized like the first step
 * ({@link Messages}).
 */
public final class LoginMfaRoutes implements RouteGroup {
    static final Rule LOGIN_MFA = new Rule("login-mfa", 20, Duration.ofMinutes(15));
    /** As the API's {@code login/mfa/email/send}: 5 mails per address in 15 minutes, and 3 per pending login. */
    static final Rule LOGIN_MFA_EMAIL = new Rule("login-mfa-email", 5, Duration.ofMinutes(15));

    static final List<String> HOSTED_METHODS = SsoSignIn.HOSTED_METHODS;

    private final SsoService sso;
    private final SsoSignIn signIn;
    private final MfaService mfa;
    private final Web web;
    private final Secrets secrets;
    private final FormCsrf csrf;
    private final HostCookie ssoCookie;
    private final Function<String, Optional<URI>> redirectTarget;
    private final LoginRoutes.SignedInAnswer signedIn;

    /** {@code redirectTarget} as for {@link LoginRoutes}: the checked client redirect the form may end at. */
    public LoginMfaRoutes(
            SsoService sso,
            SsoSignIn signIn,
            MfaService mfa,
            Web web,
            Secrets secrets,
            FormCsrf csrf,
            HostCookie ssoCookie,
            Function<String, Optional<URI>> redirectTarget,
            LoginRoutes.SignedInAnswer signedIn) {
        this.sso = sso;
        this.signIn = signIn;
        this.mfa = mfa;
        this.web = web;
        this.secrets = secrets;
        this.csrf = csrf;
        this.ssoCookie = ssoCookie;
        this.redirectTarget = redirectTarget;
        this.signedIn = signedIn;
    }

    @Override
    public void routes(Api api) {
        api.post("/login/mfa", this::submit)
                .tag("pages")
                .summary("Hosted sign-in, second step: a TOTP or backup code")
                .returns(200, LoginRoutes.SignedInAnswer.PAGE)
                .returns(303, LoginRoutes.SignedInAnswer.REDIRECTED)
                .returns(400, "HTML form with an error")
                .returns(
                        403,
                        "HTML page: the CSRF token did not match, or the browser called the post cross-site; start again")
                .returns(429, "HTML form: too many attempts (Retry-After)");
        // A reload or bookmark of the second step (a GET) starts the sign-in again, rather than a 405 page.
        api.get("/login/mfa", ctx -> ctx.redirect("/login", io.javalin.http.HttpStatus.SEE_OTHER))
                .tag("pages")
                .summary("The second step opened again: back to the sign-in page")
                .returns(303, "to /login");
        api.post("/login/mfa/setup", this::setup)
                .tag("pages")
                .summary("Hosted sign-in, second step of an account that must first set up an authenticator app"
                        + " (GATEHOUSE_MFA_REQUIRED)")
                .returns(200, "HTML page: the QR code and key of a new TOTP secret, and the form for its first code")
                .returns(400, "HTML page: the sign-in expired; start again")
                .returns(403, "HTML page: the CSRF token did not match; start again")
                .returns(429, "HTML page: too many attempts (Retry-After)");
        api.get("/login/mfa/step-up", this::stepUp)
                .tag("pages")
                .summary("Hosted step-up: the signed-in browser gives a second factor a client asked for (acr_values)")
                .returns(200, "HTML form for the second factor")
                .returns(303, "the session already has two factors: on to return_to, or to /login without one")
                .returns(400, "HTML page: no open sign-in, or no second factor to give; start again");
    }

    /**
     * Where {@code /oauth2/authorize} sends a password-only SSO session when the client demands
     * {@code urn:gatehouse:acr:mfa}: the same second-step form as a sign-in, and on success the session records both
     * factors, keeping its sign-in time ({@link SsoService#stepUp}), and the browser returns to the authorization
     * request.
     */
    private void stepUp(Context ctx) {
        String returnTo = LoginRoutes.safeReturn(ctx.queryParam("return_to"));
        try {
            web.limit(ctx, LOGIN_MFA); // each visit opens a pending sign-in
        } catch (Problem p) {
            if (p.status() != 429) throw p;
            p.headers().forEach(ctx::header); // Retry-After
            startOver(ctx, returnTo, 429, "login.error.too_many");
            return;
        }
        var session = sso.find(ssoCookie.read(ctx));
        if (session.isPresent() && session.get().amr().contains("mfa")) {
            // Nothing to add: the session has its factors already. The request it came for decides what comes next.
            ctx.redirect(returnTo == null ? "/login" : returnTo, io.javalin.http.HttpStatus.SEE_OTHER);
            return;
        }
        var pending = session.flatMap(s -> signIn.stepUp(s, web.info(ctx)));
        if (pending.isEmpty()) {
            startOver(ctx, returnTo, 400, "login.mfa.error.start_over");
            return;
        }
        String csrf = this.csrf.forPage(ctx, () -> secrets.token(""));
        URI target = returnTo == null ? null : redirectTarget.apply(returnTo).orElse(null);
        render(ctx, 200, csrf, returnTo, pending.get().mfaToken(), pending.get().methods(), null, target);
    }

    /**
     * The second-step form; {@code csrf} is the value of the first step's CSRF cookie, still valid; {@code errorKey} a
     * message key or null; {@code formTarget} the checked client redirect URI the form may end at, or null.
     */
    static void render(
            Context ctx,
            int status,
            String csrf,
            String returnTo,
            String mfaToken,
            List<String> methods,
            String errorKey,
            URI formTarget) {
        render(ctx, status, csrf, returnTo, mfaToken, methods, errorKey, null, null, formTarget);
    }

    /** As above, with {@code selected} the method chosen (or null: the first) and {@code noticeKey} a message or null. */
    static void render(
            Context ctx,
            int status,
            String csrf,
            String returnTo,
            String mfaToken,
            List<String> methods,
            String errorKey,
            String selected,
            String noticeKey,
            URI formTarget) {
        if (methods.contains(SsoSignIn.TOTP_SETUP)) {
            renderEnrolment(ctx, status, csrf, returnTo, mfaToken, null, errorKey, formTarget);
            return;
        }
        var t = Messages.of(ctx);
        var pending = new LoginMfaPage.Pending(csrf, returnTo, mfaToken, methods, Messages.uiLocales(ctx));
        // A security key is asked for by a script, which needs the page's nonce.
        String nonce = methods.contains("webauthn") ? Html.nonce() : null;
        String body = LoginMfaPage.codeStep(t, pending, errorKey, selected, noticeKey, nonce);
        ctx.header("Cache-Control", "no-store");
        if (nonce == null) Html.send(ctx, status, Html.page(t, t.get("login.mfa.title"), body), formTarget);
        else Html.send(ctx, status, Html.page(t, t.get("login.mfa.title"), body), formTarget, nonce);
    }

    /**
     * The second step of an account that policy holds back until it has a factor: first a button that starts the set-up
     * ({@code setup} null), then the new secret's QR code and key with the form for its first code, which turns TOTP on
     * and completes the sign-in ({@link MfaService#totpCheck}).
     */
    static void renderEnrolment(
            Context ctx,
            int status,
            String csrf,
            String returnTo,
            String mfaToken,
            MfaFactors.Setup setup,
            String errorKey,
            URI formTarget) {
        var t = Messages.of(ctx);
        var pending = new LoginMfaPage.Pending(
                csrf, returnTo, mfaToken, List.of(SsoSignIn.TOTP_SETUP), Messages.uiLocales(ctx));
        String body = LoginMfaPage.enrolment(t, pending, setup, errorKey);
        ctx.header("Cache-Control", "no-store");
        Html.sendWithInlineImages(ctx, status, Html.page(t, t.get("login.mfa.title"), body), formTarget);
    }

    /** Starts the set-up of an account's first factor (the button of {@link #renderEnrolment}). */
    private void setup(Context ctx) {
        var p = posted(ctx, List.of(SsoSignIn.TOTP_SETUP));
        if (p.isEmpty()) return;
        MfaFactors.Setup setup;
        try {
            // The page again (a reload, the back button): the same secret, not a new one the app has not seen.
            setup = mfa.setupOfPending(p.get().mfaToken())
                    .orElseGet(() -> mfa.setupDuringLogin(p.get().mfaToken(), web.info(ctx)));
        } catch (Problem e) {
            startOver(ctx, p.get().returnTo(), 400, "login.mfa.error.start_over");
            return;
        }
        renderEnrolment(
                ctx,
                200,
                p.get().csrf(),
                p.get().returnTo(),
                p.get().mfaToken(),
                setup,
                null,
                p.get().target());
    }

    /** A post of the second step that passed its CSRF check and rate limit. */
    private record Posted(String returnTo, String csrf, String mfaToken, URI target) {}

    /**
     * The second step's post, or empty when it was refused (and answered): a CSRF token that does not match or no
     * pending sign-in (start again), or too many attempts (the form for {@code methods} again, with Retry-After).
     */
    private Optional<Posted> posted(Context ctx, List<String> methods) {
        String returnTo = LoginRoutes.safeReturn(ctx.formParam("return_to"));
        String presented = csrf.checked(ctx);
        String mfaToken = ctx.formParam("mfa_token");
        if (presented == null || mfaToken == null) {
            startOver(ctx, returnTo, 403, "login.error.expired");
            return Optional.empty();
        }
        URI target = returnTo == null ? null : redirectTarget.apply(returnTo).orElse(null);
        try {
            web.limit(ctx, LOGIN_MFA);
        } catch (Problem p) {
            if (p.status() != 429) throw p;
            p.headers().forEach(ctx::header); // Retry-After
            render(ctx, 429, presented, returnTo, mfaToken, methods, "login.error.too_many", target);
            return Optional.empty();
        }
        return Optional.of(new Posted(returnTo, presented, mfaToken, target));
    }

    private void submit(Context ctx) {
        List<String> methods = methodsOf(ctx.formParam("methods"));
        var posted = posted(ctx, methods);
        if (posted.isEmpty()) return;
        String returnTo = posted.get().returnTo();
        String presented = posted.get().csrf();
        String mfaToken = posted.get().mfaToken();
        URI target = posted.get().target();
        String code = ctx.formParam("code");
        String method = ctx.formParam("method");
        boolean enrolling = methods.contains(SsoSignIn.TOTP_SETUP);
        if (method == null || !LoginMfaPage.CODE_METHODS.contains(method) || enrolling) method = "totp";
        if (ctx.formParam("send_email") != null) {
            sendEmail(ctx, presented, returnTo, mfaToken, methods, target);
            return;
        }
        var info = web.info(ctx);
        if (code == null || code.isBlank() || code.length() > 40) {
            if (enrolling) wrongEnrolmentCode(ctx, presented, returnTo, mfaToken, "login.mfa.error.empty", target);
            else render(ctx, 400, presented, returnTo, mfaToken, methods, "login.mfa.error.empty", target);
            return;
        }
        var current = sso.findToEnd(ssoCookie.read(ctx));
        LoginOutcome.SignedIn s;
        try {
            s = mfa.complete(
                    mfaToken,
                    method,
                    enrolling ? mfa.totpCheck(code.trim(), info) : mfa.codeCheck(method, mfaToken, code.trim()),
                    (h, user, login, m) -> signIn.completeSecondFactor(
                            h, user.id(), login.firstMethod(), m, java.util.List.of(), login.stepUpOf(), current, info),
                    info);
        } catch (Problem p) {
            if (p.status() == 429) {
                p.headers().forEach(ctx::header); // Retry-After: the account's attempts (MfaService.ACCOUNT_ATTEMPTS)
                render(ctx, 429, presented, returnTo, mfaToken, methods, "login.error.too_many", method, null, target);
            } else if (p.code().equals("invalid_mfa_code") && enrolling) {
                wrongEnrolmentCode(ctx, presented, returnTo, mfaToken, "login.mfa.error.wrong", target);
            } else if (p.code().equals("invalid_mfa_code")) {
                render(ctx, 400, presented, returnTo, mfaToken, methods, "login.mfa.error.wrong", method, null, target);
            } else {
                startOver(ctx, returnTo, 400, "login.mfa.error.start_over");
            }
            return;
        }
        signedIn.send(ctx, s, current, returnTo);
    }

    /** The set-up page again, with its secret, after a missing or wrong first code. */
    private void wrongEnrolmentCode(
            Context ctx, String csrf, String returnTo, String mfaToken, String errorKey, URI target) {
        var setup = mfa.setupOfPending(mfaToken);
        if (setup.isEmpty()) startOver(ctx, returnTo, 400, "login.mfa.error.start_over");
        else renderEnrolment(ctx, 400, csrf, returnTo, mfaToken, setup.get(), errorKey, target);
    }

    /** Mails a code for the pending login (the form's "send" button) and shows the form again with email chosen. */
    private void sendEmail(
            Context ctx, String csrf, String returnTo, String mfaToken, List<String> methods, URI target) {
        try {
            web.limit(ctx, LOGIN_MFA_EMAIL);
            mfa.sendEmailCodeForPage(mfaToken, web.info(ctx));
        } catch (Problem p) {
            switch (p.status()) {
                case 429 -> {
                    p.headers().forEach(ctx::header); // Retry-After
                    render(ctx, 429, csrf, returnTo, mfaToken, methods, "login.error.too_many", "email", null, target);
                }
                case 409 ->
                    render(
                            ctx,
                            400,
                            csrf,
                            returnTo,
                            mfaToken,
                            methods,
                            "login.mfa.error.email_not_enabled",
                            null,
                            null,
                            target);
                default -> startOver(ctx, returnTo, 400, "login.mfa.error.start_over");
            }
            return;
        }
        render(ctx, 200, csrf, returnTo, mfaToken, methods, null, "email", "login.mfa.email.sent", target);
    }

    private static List<String> methodsOf(String field) {
        if (field == null || field.length() > 200) return List.of("totp");
        return List.of(field.split(",")).stream()
                .filter(m -> HOSTED_METHODS.contains(m) || m.equals(SsoSignIn.TOTP_SETUP))
                .toList();
    }

    static void startOver(Context ctx, String returnTo, int status, String messageKey) {
        var t = Messages.of(ctx);
        String uiLocales = Messages.uiLocales(ctx);
        String again = "/login"
                + (returnTo == null
                        ? ""
                        : "?return_to="
                                + java.net.URLEncoder.encode(returnTo, java.nio.charset.StandardCharsets.UTF_8));
        if (!uiLocales.isEmpty())
            again += (returnTo == null ? "?" : "&") + "ui_locales="
                    + java.net.URLEncoder.encode(uiLocales, java.nio.charset.StandardCharsets.UTF_8);
        Html.send(
                ctx,
                status,
                Html.page(
                        t,
                        t.get("login.title"),
                        Html.alert(t.get(messageKey)) + "<p><a href=\"" + Html.escape(again) + "\">"
                                + t.html("login.submit") + "</a></p>"));
    }
}
