package dev.gatehouse.login;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormCsrf;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import dev.gatehouse.webauthn.PasskeyAuthentication;
import dev.gatehouse.webauthn.WebAuthnRoutes;
import io.javalin.http.Context;
import java.time.Duration;

/**
 * Passwordless sign-in with a passkey on the hosted {@code /login} page (ADR 0010). The page's script posts the form's
 * hidden fields to {@code /login/passkey/options} and gets WebAuthn request options for a discoverable credential with
 * user verification required, the ceremony bound to this page's CSRF token and pending authorization request; it then
 * submits {@code PublicKeyCredential.toJSON()} with the form to {@code /login/passkey}. Success opens the SSO session
 * as a password and a second factor would ({@code amr} from the assertion) and returns to the authorization request;
 * every failure is the sign-in page again with a message (4xx). Also serves the script itself.
 */
public final class PasskeyLoginRoutes implements RouteGroup {
    static final Rule BEGIN = new Rule("login-webauthn-begin", 30, Duration.ofMinutes(15));
    /** A toJSON() of an assertion is about 1 KiB; its id alone may be 1023 bytes, base64url-encoded twice over. */
    static final int MAX_CREDENTIAL = 16 * 1024;

    private final LoginRoutes login;
    private final SsoService sso;
    private final SsoSignIn signIn;
    private final PasskeyAuthentication webauthn;
    private final Web web;
    private final LoginRoutes.SignedInAnswer signedIn;
    private final FormCsrf csrf;
    private final HostCookie ssoCookie;

    public PasskeyLoginRoutes(
            LoginRoutes login,
            SsoService sso,
            SsoSignIn signIn,
            PasskeyAuthentication webauthn,
            Web web,
            LoginRoutes.SignedInAnswer signedIn,
            FormCsrf csrf,
            HostCookie ssoCookie) {
        this.login = login;
        this.sso = sso;
        this.signIn = signIn;
        this.webauthn = webauthn;
        this.web = web;
        this.signedIn = signedIn;
        this.csrf = csrf;
        this.ssoCookie = ssoCookie;
    }

    @Override
    public void routes(Api api) {
        api.get(WebAuthnMarkup.SCRIPT_PATH, this::script)
                .tag("pages")
                .summary("The script behind the hosted sign-in's passkey and security-key buttons")
                .returns(200, "JavaScript");
        api.post("/login/passkey/options", this::options)
                .tag("pages")
                .summary("Hosted sign-in: WebAuthn request options for a passkey, bound to the page (form: csrf,"
                        + " return_to)")
                .returns(200, WebAuthnRoutes.OptionsResponse.class)
                .returns(403, "problem: the CSRF token did not match, or the browser called the post cross-site")
                .returns(429, "problem: too many attempts (Retry-After)");
        api.post("/login/passkey", this::finish)
                .tag("pages")
                .summary(
                        "Hosted sign-in with a passkey (form: csrf, return_to, credential = PublicKeyCredential.toJSON())")
                .returns(200, LoginRoutes.SignedInAnswer.PAGE)
                .returns(303, LoginRoutes.SignedInAnswer.REDIRECTED)
                .returns(400, "HTML sign-in page: the passkey was not accepted or the attempt expired")
                .returns(
                        403,
                        "HTML sign-in page: the CSRF token did not match, or the browser called the post cross-site")
                .returns(429, "HTML sign-in page: too many attempts (Retry-After)");
    }

    private void script(Context ctx) {
        // The URL carries the content's hash (?v=) and the tag its integrity, so a cached copy is never stale.
        ctx.header("Cache-Control", "public, max-age=86400");
        ctx.contentType("text/javascript; charset=utf-8").result(WebAuthnMarkup.SCRIPT);
    }

    private void options(Context ctx) {
        String csrf = this.csrf.checked(ctx);
        if (csrf == null)
            throw Problem.forbidden(
                    "The CSRF check failed (token, or a post from another site); reload the sign-in page");
        String returnTo = LoginRoutes.safeReturn(ctx.formParam("return_to"));
        web.limit(ctx, BEGIN);
        options(ctx, web, webauthn.beginPasskeyLogin(binding(csrf, returnTo)));
    }

    private void finish(Context ctx) {
        String returnTo = LoginRoutes.safeReturn(ctx.formParam("return_to"));
        String csrf = this.csrf.checked(ctx);
        if (csrf == null) {
            login.render(ctx, 403, returnTo, "", "login.error.expired");
            return;
        }
        try {
            web.limit(ctx, LoginRoutes.LOGIN);
        } catch (Problem p) {
            if (p.status() != 429) throw p;
            p.headers().forEach(ctx::header); // Retry-After
            login.render(ctx, 429, returnTo, "", "login.error.too_many");
            return;
        }
        var info = web.info(ctx);
        PasskeyAuthentication.Verified verified;
        try {
            verified = webauthn.verifyPasskeyLogin(
                    credential(web, ctx.formParam("credential")), binding(csrf, returnTo), info);
        } catch (Problem p) {
            login.render(ctx, 400, returnTo, "", errorKey(p));
            return;
        }
        var current = sso.findToEnd(ssoCookie.read(ctx));
        var outcome = signIn.signInVerified(
                verified.userId(), "passkey", SsoSession.amrOf("passkey", verified.amr()), current, info);
        switch (outcome) {
            case LoginOutcome.SignedIn s -> signedIn.send(ctx, s, current, returnTo);
            case LoginOutcome.EmailNotVerified n -> login.render(ctx, 403, returnTo, "", "login.error.unverified");
            default -> login.render(ctx, 400, returnTo, "", "login.passkey.error.refused");
        }
    }

    /** What a page's passkey ceremony is bound to: this browser's CSRF token and the pending authorization request. */
    static String binding(String csrf, String returnTo) {
        return Secrets.sha256("hosted-login\n" + csrf + "\n" + (returnTo == null ? "" : returnTo));
    }

    /** The message for a refused assertion: a spent or expired challenge can simply be tried again. */
    static String errorKey(Problem p) {
        return "webauthn_challenge_invalid".equals(p.code())
                ? "login.passkey.error.expired"
                : "login.passkey.error.refused";
    }

    /** The {@code credential} form field: a {@code PublicKeyCredential.toJSON()}, shape-checked; a 400 problem otherwise. */
    static String credential(Web web, String field) {
        if (field == null || field.isBlank() || field.length() > MAX_CREDENTIAL)
            throw Problem.badRequest("invalid_credential", "The credential field is missing or too long");
        try {
            return WebAuthnRoutes.credential(web.mapper().readTree(field)).toString();
        } catch (JsonProcessingException e) {
            throw Problem.badRequest("invalid_credential", "The credential field is not JSON");
        }
    }

    /** Answers the library's options JSON as it is (W3C JSON under {@code publicKey}), never cached. */
    static void options(Context ctx, Web web, String json) {
        try {
            ctx.header("Cache-Control", "no-store");
            web.json(ctx, 200, web.mapper().readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the library wrote invalid JSON", e);
        }
    }
}
