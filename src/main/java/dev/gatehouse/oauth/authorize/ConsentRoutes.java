package dev.gatehouse.oauth.authorize;

import com.nimbusds.oauth2.sdk.OAuth2Error;
import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.oauth.scopes.ScopeWords;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormCsrf;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The hosted {@code /consent} page: the client's name and the requested scopes in plain words, Allow or Deny. It
 * carries the pending authorization request as a path back to {@code /oauth2/authorize} and is CSRF-protected like
 * the login page, so no other site can make a signed-in user consent.
 */
public final class ConsentRoutes implements RouteGroup {
    static final String CSRF_COOKIE = "gh_consent_csrf";

    private final AuthorizationRequests requests;
    private final AuthorizeService authorize;
    private final AuthorizeRoutes authorizeRoutes;
    private final ConsentService consent;
    private final ScopeService scopes;
    private final SsoService sso;
    private final AccountService accounts;
    private final Web web;
    private final Secrets secrets;
    private final HostCookie ssoCookie;
    private final FormCsrf csrf;

    public ConsentRoutes(
            AuthorizationRequests requests,
            AuthorizeService authorize,
            AuthorizeRoutes authorizeRoutes,
            ConsentService consent,
            ScopeService scopes,
            SsoService sso,
            AccountService accounts,
            Web web,
            Secrets secrets,
            HostCookie ssoCookie,
            boolean secureCookies) {
        this.requests = requests;
        this.authorize = authorize;
        this.authorizeRoutes = authorizeRoutes;
        this.consent = consent;
        this.scopes = scopes;
        this.sso = sso;
        this.accounts = accounts;
        this.web = web;
        this.secrets = secrets;
        this.ssoCookie = ssoCookie;
        this.csrf = new FormCsrf(CSRF_COOKIE, "/consent", secureCookies);
    }

    @Override
    public void routes(Api api) {
        api.pages("/consent");
        api.get("/consent", this::page)
                .tag("pages")
                .summary("Hosted consent page")
                .returns(200, "HTML form");
        api.post("/consent", this::decide)
                .tag("pages")
                .summary("Consent decision")
                .returns(200, "allowed: the form_post authorization response")
                .returns(
                        303,
                        "allowed: the client's redirect with the authorization response; denied: access_denied to"
                                + " the client");
    }

    /** A checked request to consent to: its parameters as the return path carries them, and the browser's session. */
    private record Pending(Map<String, List<String>> params, SsoSession session, AuthorizeService.Request request) {}

    /** The request to consent to, when the browser is signed in and the request is valid; else back to authorize. */
    private Optional<Pending> pending(Context ctx, String returnTo) {
        var params = AuthorizeRoutes.returnParams(returnTo);
        if (params.isEmpty()) return Optional.empty();
        var session = sso.find(ssoCookie.read(ctx));
        if (session.isEmpty()) return Optional.empty();
        if (!(requests.check(params.get()) instanceof AuthorizeService.Checked.Valid v)) return Optional.empty();
        return Optional.of(new Pending(params.get(), session.get(), v.request()));
    }

    private void page(Context ctx) {
        String returnTo = ctx.queryParam("return_to");
        var p = pending(ctx, returnTo);
        if (p.isEmpty()) {
            var t = Messages.of(ctx);
            Html.send(
                    ctx,
                    400,
                    Html.page(t, t.get("consent.invalid.title"), "<p>" + t.html("consent.invalid.text") + "</p>"));
            return;
        }
        String csrf = this.csrf.forPage(ctx, () -> secrets.token(""));
        var r = p.get().request();
        var t = Messages.of(ctx);
        String items = ScopeWords.listItems(t, scopes.describe(r.scope()));
        String account = accounts.findRecent(p.get().session().userId())
                .map(u -> "<p>" + t.markup("authorize.account.current", Html.strong(u.email())) + "</p>\n")
                .orElse("");
        String body = account
                + """
                <p id="consent-intro">%s</p>
                <ul aria-labelledby="consent-intro">
                %s
                </ul>
                %s<form method="post" action="/consent">
                <input type="hidden" name="csrf" value="%s">
                <input type="hidden" name="return_to" value="%s">
                <input type="hidden" name="ui_locales" value="%s">
                <button type="submit" name="decision" value="allow">%s</button>
                <button type="submit" name="decision" value="deny">%s</button>
                </form>
                """.formatted(
                                t.html("consent.intro", r.client().name()),
                                items,
                                documents(t, r.client()),
                                Html.escape(csrf),
                                Html.escape(returnTo),
                                Html.escape(Messages.uiLocales(ctx)),
                                t.html("consent.allow"),
                                t.html("consent.deny"));
        Html.send(ctx, 200, Html.page(t, t.get("consent.title"), body), r.redirectUri());
    }

    /**
     * Links to the client's privacy policy and terms of service when it registered them (OIDC Registration §2: shown to
     * the user before consent). Registration only accepts http(s) addresses for them.
     */
    private static String documents(Messages t, OAuthClient client) {
        var links = new java.util.ArrayList<String>();
        if (client.metadata().getPolicyURI() != null)
            links.add(link(client.metadata().getPolicyURI(), t.html("consent.policy", client.name())));
        if (client.metadata().getTermsOfServiceURI() != null)
            links.add(link(client.metadata().getTermsOfServiceURI(), t.html("consent.tos", client.name())));
        return links.isEmpty() ? "" : "<p>" + String.join(" · ", links) + "</p>\n";
    }

    private static String link(java.net.URI uri, String text) {
        return "<a href=\"" + Html.escape(uri.toString()) + "\" rel=\"noopener noreferrer\">" + text + "</a>";
    }

    private void decide(Context ctx) {
        var p = pending(ctx, ctx.formParam("return_to"));
        if (csrf.checked(ctx) == null || p.isEmpty()) {
            var t = Messages.of(ctx);
            Html.send(
                    ctx,
                    403,
                    Html.page(t, t.get("consent.expired.title"), "<p>" + t.html("consent.expired.text") + "</p>"));
            return;
        }
        var pending = p.get();
        var r = pending.request();
        if ("allow".equals(ctx.formParam("decision"))) {
            consent.grant(pending.session().userId(), r.client(), r.scope(), web.info(ctx));
            // The request answered in place, as after a sign-in (ADR 0021), without checking it a second time.
            authorizeRoutes.answer(ctx, r, pending.params(), pending.session());
        } else {
            // OAuth 2.1 §4.1.2.1: the resource owner denied the request.
            AuthorizeRoutes.respond(
                    ctx,
                    authorize.refuse(r, OAuth2Error.ACCESS_DENIED),
                    HttpStatus.SEE_OTHER,
                    () -> AuthorizeRoutes.messages(ctx, r));
        }
    }
}
