package dev.gatehouse.oidc;

import dev.gatehouse.login.SessionState;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormCsrf;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code /oauth2/logout} (RP-Initiated Logout 1.0, GET and form POST) and the hosted {@code /logout} confirmation page.
 * A request with an ID token of the current SSO session signs out at once; any other is confirmed on the page, which
 * is CSRF-protected like the login page. Afterwards the browser goes to the client's registered
 * {@code post_logout_redirect_uri} with {@code state}, or sees a signed-out page; when clients registered
 * front-channel logout, that page first frames their logout URIs and then continues to the client.
 */
public final class LogoutRoutes implements RouteGroup {
    static final String CSRF_COOKIE = "gh_logout_csrf";
    static final List<String> PARAMS =
            List.of("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales");

    private final LogoutService logout;
    private final SsoService sso;
    private final Web web;
    private final HostCookie ssoCookie;
    private final FormCsrf csrf;

    public LogoutRoutes(LogoutService logout, SsoService sso, Web web, HostCookie ssoCookie, boolean secureCookies) {
        this.logout = logout;
        this.sso = sso;
        this.web = web;
        this.ssoCookie = ssoCookie;
        this.csrf = new FormCsrf(CSRF_COOKIE, "/logout", secureCookies);
    }

    @Override
    public void routes(Api api) {
        api.pages("/oauth2/logout", "/logout");
        api.get("/oauth2/logout", ctx -> endSession(ctx, ctx.queryParamMap(), HttpStatus.FOUND))
                .tag("oidc")
                .summary("End-session endpoint (OIDC RP-Initiated Logout 1.0)")
                .returns(200, "signed-out page (with front-channel logout iframes)")
                .returns(302, "to the confirmation page or the client's post_logout_redirect_uri")
                .returns(400, "error page when the request is not valid");
        api.post("/oauth2/logout", ctx -> endSession(ctx, ctx.formParamMap(), HttpStatus.SEE_OTHER))
                .tag("oidc")
                .summary("End-session endpoint, form POST")
                .returns(200, "signed-out page (with front-channel logout iframes)")
                .returns(303, "to the confirmation page or the client's post_logout_redirect_uri")
                .returns(400, "error page when the request is not valid");
        api.get("/logout", this::confirmPage)
                .tag("pages")
                .summary("Hosted sign-out confirmation page")
                .returns(200, "HTML form")
                .returns(400, "error page when the request is not valid");
        api.post("/logout", this::confirmed)
                .tag("pages")
                .summary("Sign-out confirmation")
                .returns(200, "signed-out page")
                .returns(303, "to the client's post_logout_redirect_uri")
                .returns(403, "the form expired");
    }

    private void endSession(Context ctx, Map<String, List<String>> params, HttpStatus redirect) {
        switch (logout.check(params)) {
            case LogoutService.Checked.Invalid i -> invalid(ctx, i);
            case LogoutService.Checked.Valid v -> {
                var r = v.request();
                var session = sso.findToEnd(ssoCookie.read(ctx));
                if (session.isEmpty() && redirect == HttpStatus.SEE_OTHER) {
                    // A form POST from the client's site carries no SameSite=Lax SSO cookie; the same request as a
                    // top-level GET does, so the browser is sent there once (the GET never redirects to itself).
                    var q = new LinkedHashMap<String, String>();
                    for (String name : PARAMS) {
                        String value = ctx.formParam(name);
                        if (value != null) q.put(name, value);
                    }
                    ctx.redirect("/oauth2/logout" + query(q), redirect);
                } else if (session.isEmpty()) {
                    finish(ctx, r, List.of(), redirect); // already signed out: nothing to confirm
                } else if (!logout.needsConfirmation(r, session.get())) {
                    var frames = logout.logout(session.get(), r.client(), web.info(ctx));
                    ssoCookie.clear(ctx);
                    finish(ctx, r, frames, redirect);
                } else {
                    var q = new LinkedHashMap<String, String>();
                    r.client().ifPresent(c -> q.put("client_id", c.clientId()));
                    r.postLogoutRedirect().ifPresent(u -> q.put("post_logout_redirect_uri", u.toString()));
                    r.state().ifPresent(s -> q.put("state", s));
                    r.uiLocales().ifPresent(s -> q.put("ui_locales", s));
                    ctx.redirect("/logout" + query(q), redirect);
                }
            }
        }
        ctx.header("Cache-Control", "no-store");
    }

    private void confirmPage(Context ctx) {
        switch (logout.check(ctx.queryParamMap())) {
            case LogoutService.Checked.Invalid i -> invalid(ctx, i);
            case LogoutService.Checked.Valid v -> {
                var r = v.request();
                if (sso.findToEnd(ssoCookie.read(ctx)).isEmpty()) {
                    finish(ctx, r, List.of(), HttpStatus.FOUND);
                    return;
                }
                String csrf = this.csrf.issue(ctx, logout.csrfToken());
                var t = Messages.of(ctx);
                String app = r.client()
                        .map(c -> "<p>" + t.markup("logout.confirm.client", Html.strong(c.name())) + "</p>\n")
                        .orElse("");
                String body = app
                        + """
                        <p>%s</p>
                        <form method="post" action="/logout">
                        <input type="hidden" name="csrf" value="%s">
                        <input type="hidden" name="client_id" value="%s">
                        <input type="hidden" name="post_logout_redirect_uri" value="%s">
                        <input type="hidden" name="state" value="%s">
                        <input type="hidden" name="ui_locales" value="%s">
                        <button type="submit">%s</button>
                        </form>
                        """.formatted(
                                t.html("logout.confirm.text"),
                                Html.escape(csrf),
                                Html.escape(r.client().map(c -> c.clientId()).orElse("")),
                                Html.escape(r.postLogoutRedirect()
                                        .map(Object::toString)
                                        .orElse("")),
                                Html.escape(r.state().orElse("")),
                                Html.escape(Messages.uiLocales(ctx)),
                                t.html("logout.confirm.submit"));
                // The form ends, through a redirect, at the client's post-logout URI: browsers apply form-action to
                // that redirect too (ADR 0004), so the page's policy names it.
                Html.send(
                        ctx,
                        200,
                        Html.page(t, t.get("logout.confirm.title"), body),
                        r.postLogoutRedirect().orElse(null));
            }
        }
    }

    private void confirmed(Context ctx) {
        if (csrf.checked(ctx) == null) {
            var t = Messages.of(ctx);
            Html.send(
                    ctx,
                    403,
                    Html.page(t, t.get("logout.expired.title"), "<p>" + t.html("logout.expired.text") + "</p>"));
            return;
        }
        csrf.clear(ctx);
        // Empty hidden fields mean "not given"; the id_token_hint never reaches this form.
        var params = new LinkedHashMap<String, List<String>>();
        for (String name : List.of("client_id", "post_logout_redirect_uri", "state", "ui_locales")) {
            String value = ctx.formParam(name);
            if (value != null && !value.isEmpty()) params.put(name, List.of(value));
        }
        switch (logout.check(params)) {
            case LogoutService.Checked.Invalid i -> invalid(ctx, i);
            case LogoutService.Checked.Valid v -> {
                var r = v.request();
                var session = sso.findToEnd(ssoCookie.read(ctx));
                List<LogoutService.FrontChannel> frames = List.of();
                if (session.isPresent()) {
                    frames = logout.logout(session.get(), r.client(), web.info(ctx));
                    ssoCookie.clear(ctx);
                }
                finish(ctx, r, frames, HttpStatus.SEE_OTHER);
            }
        }
    }

    /**
     * After logout: straight back to the client when no iframe must load; otherwise the signed-out page frames each
     * client's front-channel logout URI (CSP frame-src lists exactly their origins) and, when the client gave a return
     * address, continues there after a few seconds (and offers a link, for browsers that ignore refresh).
     */
    private void finish(Context ctx, LogoutService.Request r, List<LogoutService.FrontChannel> frames, HttpStatus s) {
        var back = logout.returnTo(r);
        ctx.header("Cache-Control", "no-store");
        if (frames.isEmpty() && back.isPresent()) {
            ctx.redirect(back.get().toString(), s);
            return;
        }
        var t = Messages.of(ctx);
        String iframes = frames.stream()
                .map(f -> "<iframe src=\"" + Html.escape(f.uri().toString())
                        + "\" width=\"0\" height=\"0\" style=\"display:none\" title=\""
                        + t.html("logout.done.frame", f.clientId()) + "\"></iframe>")
                .collect(Collectors.joining("\n"));
        String onward = back.map(u -> "<p><a href=\"" + Html.escape(u.toString()) + "\">"
                        + t.html("logout.done.continue") + "</a></p>\n")
                .orElse("<p><a href=\"/login\">" + t.html("logout.done.sign_in") + "</a></p>\n");
        String body = "<p>" + t.html("logout.done.text") + "</p>\n" + onward + iframes;
        String html = Html.page(t, t.get("logout.done.title"), body);
        if (back.isPresent()) {
            html = html.replace(
                    "<meta charset=\"utf-8\">",
                    "<meta charset=\"utf-8\">\n<meta http-equiv=\"refresh\" content=\"2;url="
                            + Html.escape(back.get().toString()) + "\">");
        }
        var origins = new LinkedHashSet<String>();
        for (var f : frames) SessionState.origin(f.uri()).ifPresent(origins::add);
        String csp = origins.isEmpty() ? Html.PAGE_CSP : Html.PAGE_CSP + "; frame-src " + String.join(" ", origins);
        Html.send(ctx, 200, html, csp);
    }

    private static void invalid(Context ctx, LogoutService.Checked.Invalid i) {
        var t = Messages.of(ctx);
        String text = t.get(i.key(), i.args().toArray());
        Html.send(ctx, 400, Html.page(t, t.get("logout.error.title"), Html.alert(text)));
    }

    private static String query(Map<String, String> q) {
        if (q.isEmpty()) return "";
        return "?"
                + q.entrySet().stream()
                        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                        .collect(Collectors.joining("&"));
    }
}
