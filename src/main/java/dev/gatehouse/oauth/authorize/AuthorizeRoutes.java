package dev.gatehouse.oauth.authorize;

import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.User;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.login.SsoSignIn;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@code /oauth2/authorize} (GET and form POST, OIDC Core §3.1.2.1). Without an SSO session, with {@code prompt=login}
 * or a sign-in older than {@code max_age}, the browser goes to the hosted login page, whose sign-in answers the request
 * in its own response through {@link #resume} (ADR 0021); a password-only sign-in asked for
 * {@code urn:gatehouse:acr:mfa} by a user with a second factor goes through the hosted second step; then the account
 * choice for {@code prompt=select_account}; then consent, unless remembered or first-party (and not
 * {@code prompt=consent}). {@code prompt=none} answers the client with the OIDC error for the first interaction it
 * would need. Responses go back by query, fragment or form_post.
 */
public final class AuthorizeRoutes implements RouteGroup {
    static final String PATH = "/oauth2/authorize";

    private final AuthorizationRequests requests;
    private final AuthorizeService authorize;
    private final AuthorizationSteps steps;
    private final SsoService sso;
    private final HostCookie ssoCookie;
    private final Web web;

    public AuthorizeRoutes(
            AuthorizationRequests requests,
            AuthorizeService authorize,
            ConsentService consent,
            SsoService sso,
            SsoSignIn signIn,
            HostCookie ssoCookie,
            AccountService accounts,
            Web web) {
        this.requests = requests;
        this.authorize = authorize;
        this.steps = new AuthorizationSteps(authorize, consent, sso, signIn, accounts);
        this.ssoCookie = ssoCookie;
        this.sso = sso;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.pages(PATH);
        api.get(PATH, ctx -> handle(ctx, ctx.queryParamMap(), HttpStatus.FOUND, () -> browserSession(ctx)))
                .tag("oauth")
                .summary("Authorization endpoint (RFC 6749 §3.1, PKCE S256 required; RFC 9126 request_uri)")
                .returns(200, "form_post response, or the account choice for prompt=select_account")
                .returns(302, "to the login page or back to the client")
                .returns(
                        400,
                        "error page when the client, redirect URI (exact, but any port for a loopback IP) or"
                                + " request_uri is not valid");
        api.post(PATH, this::posted)
                .tag("oauth")
                .summary("Authorization endpoint, form POST")
                .returns(
                        200,
                        "form_post response, the account choice for prompt=select_account, or (a cross-site post"
                                + " without the SSO cookie) a page that posts the request again from this origin")
                .returns(303, "to the login page or back to the client")
                .returns(400, "error page when the client, redirect URI or request_uri is not valid");
    }

    /**
     * Answers, in the sign-in's own response, the authorization request a browser has just signed in for at the hosted
     * login (ADR 0021): {@code returnTo} is the request's way back here as the login page carried it ({@link
     * #loginUrl}), checked again from the start like any request (one that is not a way back here has no parameters,
     * and is refused as such a request is); {@code session} is the SSO session the sign-in opened or raised.
     */
    public void resume(Context ctx, String returnTo, SsoSession session) {
        handle(ctx, returnParams(returnTo).orElseGet(Map::of), HttpStatus.SEE_OTHER, () -> Optional.of(session));
    }

    /**
     * The consent page's answer once the user allows: the request it checked ({@code r}, from {@code params}), decided
     * in place with the browser's {@code session} as after a sign-in.
     */
    void answer(Context ctx, AuthorizeService.Request r, Map<String, List<String>> params, SsoSession session) {
        decide(ctx, r, params, HttpStatus.SEE_OTHER, Optional.of(session));
        ctx.header("Cache-Control", "no-store");
    }

    /**
     * OIDC Core §3.1.2.1 lets a client POST the request. A browser keeps the SSO cookie ({@code SameSite=Lax}) out of
     * a cross-site POST, so such a request would never see the user's sign-in (a password asked again, and
     * {@code prompt=none} always {@code login_required}). The browser is given the request as a form that posts itself
     * here once more: same-origin then, so with the cookie. The parameters stay out of URLs and logs, as the client
     * wanted by posting; without JavaScript the user presses Continue. Only a valid request the browser calls
     * {@code cross-site} is sent round (an invalid one is answered at once, with no sign-in needed), so the second post
     * is handled as it comes.
     */
    private void posted(Context ctx) {
        var params = ctx.formParamMap();
        if (ssoCookie.read(ctx) == null
                && "cross-site".equals(ctx.header("Sec-Fetch-Site"))
                && requests.check(params) instanceof AuthorizeService.Checked.Valid v) {
            // The answer to the second post redirects to the client, and browsers apply form-action to that too.
            String formAction =
                    "'self' " + FormPostPage.formActionSource(v.request().redirectUri());
            autoPost(
                    ctx, URI.create(PATH), params, messages(ctx, v.request()), formAction, "authorize.repost.noscript");
            return;
        }
        handle(ctx, params, HttpStatus.SEE_OTHER, () -> browserSession(ctx));
    }

    /** The browser's SSO session, only of an active account ({@link SsoService#find}). */
    private Optional<SsoSession> browserSession(Context ctx) {
        return sso.find(ssoCookie.read(ctx));
    }

    /**
     * The parameters of a path back to this endpoint ({@code /oauth2/authorize?...}, at most 8,000 characters) as the
     * browser's request would carry them; empty for anything else. A parameter that is not valid percent-encoding is
     * left out (Nimbus' {@code URLUtils}), and the request's check then refuses what is missing.
     */
    static Optional<Map<String, List<String>>> returnParams(String returnTo) {
        if (returnTo == null || !returnTo.startsWith(PATH + "?") || returnTo.length() > 8000) return Optional.empty();
        try {
            return Optional.of(URLUtils.parseParameters(returnTo.substring(PATH.length() + 1)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private void handle(
            Context ctx,
            Map<String, List<String>> params,
            HttpStatus redirect,
            Supplier<Optional<SsoSession>> browserSession) {
        switch (requests.check(params)) {
            case AuthorizeService.Checked.ShowError e -> {
                var t = Messages.of(ctx);
                String text = t.get(e.key(), e.args().toArray());
                Html.send(ctx, 400, Html.page(t, t.get("authorize.error.title"), Html.alert(text)));
            }
            case AuthorizeService.Checked.RedirectError e -> respond(ctx, e.response(), redirect);
            case AuthorizeService.Checked.Valid v -> decide(ctx, v.request(), params, redirect, browserSession.get());
        }
        ctx.header("Cache-Control", "no-store");
    }

    /** Takes the request's next step ({@link AuthorizationSteps}). */
    private void decide(
            Context ctx,
            AuthorizeService.Request r,
            Map<String, List<String>> params,
            HttpStatus redirect,
            Optional<SsoSession> session) {
        switch (steps.next(r, session)) {
            case AuthorizationSteps.Step.Register g -> toRegistration(ctx, r, params, redirect);
            case AuthorizationSteps.Step.SignIn l -> ctx.redirect(loginUrl(r, params, authorize.now()), redirect);
            case AuthorizationSteps.Step.ChangePassword c ->
                ctx.redirect(SsoService.passwordChangeFirst(again(params)) + locales(r), redirect);
            case AuthorizationSteps.Step.StepUp u -> ctx.redirect(stepUpUrl(r, params, authorize.now()), redirect);
            case AuthorizationSteps.Step.SelectAccount a -> selectAccount(ctx, r, params, a.user());
            case AuthorizationSteps.Step.Consent c -> {
                String back = back(params, AuthorizeService.CONSENT_SHOWN + "=1");
                ctx.redirect("/consent?return_to=" + enc(back) + locales(r), redirect);
            }
            case AuthorizationSteps.Step.Refuse f ->
                respond(ctx, authorize.refuse(r, f.error()), redirect, () -> messages(ctx, r));
            case AuthorizationSteps.Step.Issue i -> {
                SsoSession s = i.session();
                respond(
                        ctx,
                        authorize.issue(r, s.userId(), s.authTime(), Optional.of(s), web.info(ctx)),
                        redirect,
                        () -> messages(ctx, r));
            }
        }
    }

    /**
     * Initiating User Registration via OpenID Connect 1.0: {@code prompt=create} opens the hosted registration page,
     * which leads on to the sign-in; only a sign-in after now (the new account's) continues the request.
     */
    private void toRegistration(
            Context ctx, AuthorizeService.Request r, Map<String, List<String>> params, HttpStatus redirect) {
        Instant now = authorize.now();
        requests.requireReauthentication(r, now);
        String back = back(params, AuthorizeService.SIGNED_IN_AFTER + "=" + now.toEpochMilli());
        ctx.redirect("/register?return_to=" + enc(back) + locales(r), redirect);
    }

    /** To the hosted login; only a sign-in after now satisfies prompt=login, max_age or a step-up afterwards. */
    private String loginUrl(AuthorizeService.Request r, Map<String, List<String>> params, Instant now) {
        requests.requireReauthentication(r, now);
        String back = back(params, AuthorizeService.SIGNED_IN_AFTER + "=" + now.toEpochMilli());
        String hint = r.loginHint().map(h -> "&login_hint=" + enc(h)).orElse("");
        return "/login?return_to=" + enc(back) + hint + locales(r);
    }

    /** To the hosted second step for this browser's SSO session; only that step (or a sign-in) after now counts. */
    private String stepUpUrl(AuthorizeService.Request r, Map<String, List<String>> params, Instant now) {
        requests.requireReauthentication(r, now);
        String back = back(params, AuthorizeService.SIGNED_IN_AFTER + "=" + now.toEpochMilli());
        return "/login/mfa/step-up?return_to=" + enc(back) + locales(r);
    }

    /** OIDC Core §3.1.2.1 prompt=select_account: name the signed-in account; continue with it or sign in as another. */
    private void selectAccount(Context ctx, AuthorizeService.Request r, Map<String, List<String>> params, User user) {
        String cont = back(params, AuthorizeService.ACCOUNT_SELECTED + "=1");
        String other = loginUrl(r, params, authorize.now());
        var t = messages(ctx, r);
        String body = """
                <p>%s</p>
                <p>%s</p>
                <p><a href="%s">%s</a></p>
                <p><a href="%s">%s</a></p>
                """.formatted(
                t.markup("authorize.account.intro", Html.strong(r.client().name())),
                t.markup("authorize.account.current", Html.strong(user.email())),
                Html.escape(cont),
                t.html("authorize.account.continue", user.email()),
                Html.escape(other),
                t.html("authorize.account.other"));
        Html.send(ctx, 200, Html.page(t, t.get("authorize.account.title"), body));
    }

    /**
     * Sends an authorization response (RFC 6749 §4.1.2) the way the request asked: a redirect with the parameters in
     * the query or fragment, or for form_post an auto-submitting form to the redirect URI that works without
     * JavaScript too (OAuth 2.0 Form Post Response Mode §2).
     */
    static void respond(Context ctx, AuthorizationResponse response, HttpStatus redirect) {
        respond(ctx, response, redirect, () -> Messages.of(ctx));
    }

    /**
     * The pages of a checked request speak its {@code ui_locales}, which a pushed request (RFC 9126) keeps on the
     * server rather than in the browser's URL; then the request's own parameter, then {@code Accept-Language}.
     */
    static Messages messages(Context ctx, AuthorizeService.Request r) {
        return Messages.of(ctx, r.uiLocales().orElse(null));
    }

    /** Like {@link #respond(Context, AuthorizationResponse, HttpStatus)}; {@code words} for the form_post page. */
    static void respond(Context ctx, AuthorizationResponse response, HttpStatus redirect, Supplier<Messages> words) {
        ctx.header("Cache-Control", "no-store");
        if (!ResponseMode.FORM_POST.equals(response.impliedResponseMode())) {
            ctx.redirect(response.toURI().toString(), redirect);
            return;
        }
        URI target = response.getRedirectionURI();
        autoPost(
                ctx,
                target,
                response.toParameters(),
                words.get(),
                FormPostPage.formActionSource(target),
                "authorize.form_post.noscript");
    }

    /** The form_post page ({@link FormPostPage}), sent with its own CSP: only its script, only its target. */
    private static void autoPost(
            Context ctx,
            URI target,
            Map<String, List<String>> params,
            Messages t,
            String formAction,
            String noscriptKey) {
        ctx.header("Cache-Control", "no-store");
        ctx.status(200);
        ctx.header("Content-Security-Policy", FormPostPage.contentSecurityPolicy(formAction));
        ctx.header("Pragma", "no-cache");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.contentType("text/html; charset=utf-8").result(FormPostPage.html(target, params, t, noscriptKey));
    }

    private static String locales(AuthorizeService.Request r) {
        return r.uiLocales().map(l -> "&ui_locales=" + enc(l)).orElse("");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** This authorization request again, as the browser sent it. */
    private static String again(Map<String, List<String>> params) {
        return PATH + "?" + query(params, null);
    }

    /** This request again, with {@code marker} ("name=value", one of this server's markers) set. */
    private static String back(Map<String, List<String>> params, String marker) {
        String q = query(params, marker.substring(0, marker.indexOf('=')));
        return PATH + "?" + q + (q.isEmpty() ? "" : "&") + marker;
    }

    /** The parameters as a query string, without {@code leftOut} (null: all of them). */
    private static String query(Map<String, List<String>> params, String leftOut) {
        return params.entrySet().stream()
                .filter(e -> !e.getKey().equals(leftOut))
                .flatMap(e -> e.getValue().stream().map(v -> enc(e.getKey()) + "=" + enc(v)))
                .collect(Collectors.joining("&"));
    }
}
