package dev.gatehouse.login;

import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormCsrf;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.webauthn.PasskeyAuthentication;
import dev.gatehouse.webauthn.WebAuthnRoutes;
import io.javalin.http.Context;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A security key or passkey as the second factor of the hosted sign-in ({@link LoginMfaRoutes}'s page, also for a
 * step-up): the page's script gets request options bound to the pending login ({@code mfa_token}, through
 * {@link PasskeyAuthentication#beginHostedSecondFactor}) and posts {@code PublicKeyCredential.toJSON()} with the form. A refused
 * assertion counts against the pending login like a wrong code; success records {@code pwd}, the key's {@code hwk} or
 * {@code swk} and {@code mfa} on the SSO session (ADR 0010).
 */
public final class LoginWebAuthnRoutes implements RouteGroup {
    private final SsoService sso;
    private final SsoSignIn signIn;
    private final PasskeyAuthentication webauthn;
    private final Web web;
    private final LoginRoutes.SignedInAnswer signedIn;
    private final Function<String, Optional<URI>> redirectTarget;
    private final FormCsrf csrf;
    private final HostCookie ssoCookie;

    /** {@code redirectTarget} as for {@link LoginRoutes}: the checked client redirect the form may end at. */
    public LoginWebAuthnRoutes(
            SsoService sso,
            SsoSignIn signIn,
            PasskeyAuthentication webauthn,
            Web web,
            LoginRoutes.SignedInAnswer signedIn,
            Function<String, Optional<URI>> redirectTarget,
            FormCsrf csrf,
            HostCookie ssoCookie) {
        this.sso = sso;
        this.signIn = signIn;
        this.webauthn = webauthn;
        this.web = web;
        this.signedIn = signedIn;
        this.redirectTarget = redirectTarget;
        this.csrf = csrf;
        this.ssoCookie = ssoCookie;
    }

    @Override
    public void routes(Api api) {
        api.post("/login/mfa/webauthn/options", this::options)
                .tag("pages")
                .summary("Hosted second step: WebAuthn request options for the pending login's security keys (form:"
                        + " csrf, mfa_token)")
                .returns(200, WebAuthnRoutes.OptionsResponse.class)
                .returns(401, "problem: the pending login is unknown, expired or used up")
                .returns(403, "problem: the CSRF token did not match, or the browser called the post cross-site")
                .returns(409, "problem: no security key is registered")
                .returns(429, "problem: too many attempts (Retry-After)");
        api.post("/login/mfa/webauthn", this::finish)
                .tag("pages")
                .summary("Hosted second step with a security key (form: csrf, return_to, mfa_token, credential ="
                        + " PublicKeyCredential.toJSON())")
                .returns(200, LoginRoutes.SignedInAnswer.PAGE)
                .returns(303, LoginRoutes.SignedInAnswer.REDIRECTED)
                .returns(400, "HTML second-step page: the key was not accepted, or the sign-in must start again")
                .returns(
                        403,
                        "HTML page: the CSRF token did not match, or the browser called the post cross-site; start again")
                .returns(429, "HTML second-step page: too many attempts (Retry-After)");
    }

    private void options(Context ctx) {
        if (csrf.checked(ctx) == null)
            throw Problem.forbidden(
                    "The CSRF check failed (token, or a post from another site); reload the sign-in page");
        String mfaToken = ctx.formParam("mfa_token");
        if (mfaToken == null || mfaToken.length() > 100)
            throw Problem.invalidField("mfa_token", "is required (at most 100 characters)");
        web.limit(ctx, PasskeyLoginRoutes.BEGIN);
        PasskeyLoginRoutes.options(ctx, web, webauthn.beginHostedSecondFactor(mfaToken));
    }

    private void finish(Context ctx) {
        String returnTo = LoginRoutes.safeReturn(ctx.formParam("return_to"));
        String csrf = this.csrf.checked(ctx);
        String mfaToken = ctx.formParam("mfa_token");
        if (csrf == null || mfaToken == null || mfaToken.length() > 100) {
            LoginMfaRoutes.startOver(ctx, returnTo, 403, "login.error.expired");
            return;
        }
        List<String> methods = methodsOf(ctx.formParam("methods"));
        URI target = returnTo == null ? null : redirectTarget.apply(returnTo).orElse(null);
        try {
            web.limit(ctx, LoginMfaRoutes.LOGIN_MFA);
        } catch (Problem p) {
            if (p.status() != 429) throw p;
            p.headers().forEach(ctx::header); // Retry-After
            LoginMfaRoutes.render(ctx, 429, csrf, returnTo, mfaToken, methods, "login.error.too_many", target);
            return;
        }
        var info = web.info(ctx);
        var current = sso.findToEnd(ssoCookie.read(ctx));
        LoginOutcome.SignedIn s;
        try {
            String credential = PasskeyLoginRoutes.credential(web, ctx.formParam("credential"));
            s = webauthn.finishSecondFactor(
                    mfaToken,
                    credential,
                    verified -> (h, user, login, m) -> signIn.completeSecondFactor(
                            h, user.id(), login.firstMethod(), m, verified.amr(), login.stepUpOf(), current, info),
                    info);
        } catch (Problem p) {
            if (p.status() == 429) {
                p.headers().forEach(ctx::header); // Retry-After: the account's attempts (MfaService.ACCOUNT_ATTEMPTS)
                LoginMfaRoutes.render(ctx, 429, csrf, returnTo, mfaToken, methods, "login.error.too_many", target);
            } else if ("invalid_mfa_token".equals(p.code())) {
                LoginMfaRoutes.startOver(ctx, returnTo, 400, "login.mfa.error.start_over");
            } else {
                LoginMfaRoutes.render(
                        ctx, 400, csrf, returnTo, mfaToken, methods, "login.mfa.webauthn.error.refused", target);
            }
            return;
        }
        signedIn.send(ctx, s, current, returnTo);
    }

    private static List<String> methodsOf(String field) {
        if (field == null || field.length() > 200) return List.of("webauthn");
        List<String> methods = List.of(field.split(",")).stream()
                .filter(LoginMfaRoutes.HOSTED_METHODS::contains)
                .toList();
        return methods.contains("webauthn") ? methods : List.of("webauthn");
    }
}
