package dev.gatehouse.oauth.authorize;

import com.nimbusds.openid.connect.sdk.OIDCError;
import dev.gatehouse.login.LoginRoutes;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code /oauth2/authorize} (GET and form POST, OIDC Core §3.1.2.1). Without an SSO session, or with
 * {@code prompt=login}, the browser goes to the hosted login page and comes back here. Then consent, unless remembered or first-party.
 */
public final class AuthorizeRoutes implements RouteGroup {
    private final AuthorizeService authorize;
    private final ConsentService consent;
    private final SsoService sso;
    private final Web web;

    public AuthorizeRoutes(AuthorizeService authorize, ConsentService consent, SsoService sso, Web web) {
        this.authorize = authorize;
        this.consent = consent;
        this.sso = sso;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/oauth2/authorize", ctx -> handle(ctx, ctx.queryParamMap(), HttpStatus.FOUND))
                .tag("oauth")
                .summary("Authorization endpoint (RFC 6749 §3.1, PKCE S256 required)")
                .returns(302, "to the login page or back to the client")
                .returns(400, "error page when the client or redirect URI is not valid");
        api.post("/oauth2/authorize", ctx -> handle(ctx, ctx.formParamMap(), HttpStatus.SEE_OTHER))
                .tag("oauth")
                .summary("Authorization endpoint, form POST")
                .returns(303, "to the login page or back to the client")
                .returns(400, "error page when the client or redirect URI is not valid");
    }

    private void handle(Context ctx, Map<String, List<String>> params, HttpStatus redirect) {
        switch (authorize.check(params)) {
            case AuthorizeService.Checked.ShowError e -> {
                var t = Messages.of(ctx);
                String text = t.get(e.key(), e.args().toArray());
                Html.send(ctx, 400, Html.page(t, t.get("authorize.error.title"), Html.alert(text)));
            }
            case AuthorizeService.Checked.RedirectError e ->
                ctx.redirect(e.location().toString(), redirect);
            case AuthorizeService.Checked.Valid v -> {
                var r = v.request();
                var session = sso.find(ctx.cookie(LoginRoutes.SSO_COOKIE));
                if (session.isEmpty() && r.prompt().contains("none")) {
                    ctx.redirect(authorize.refuse(r, OIDCError.LOGIN_REQUIRED).toString(), redirect);
                } else if (session.isEmpty() || r.prompt().contains("login")) {
                    // The login page returns to this request without prompt=login, so the fresh sign-in counts.
                    String back = "/oauth2/authorize?" + query(params, "prompt");
                    ctx.redirect("/login?return_to=" + URLEncoder.encode(back, StandardCharsets.UTF_8), redirect);
                } else if (consent.needed(session.get().userId(), r.client(), r.scope(), r.prompt())) {
                    if (r.prompt().contains("none")) {
                        ctx.redirect(
                                authorize.refuse(r, OIDCError.CONSENT_REQUIRED).toString(), redirect);
                    } else {
                        String back = "/oauth2/authorize?" + query(params, "prompt");
                        ctx.redirect("/consent?return_to=" + URLEncoder.encode(back, StandardCharsets.UTF_8), redirect);
                    }
                } else {
                    var s = session.get();
                    ctx.redirect(
                            authorize
                                    .issue(r, s.userId(), s.authTime(), web.info(ctx))
                                    .toString(),
                            redirect);
                }
            }
        }
        ctx.header("Cache-Control", "no-store");
    }

    private static String query(Map<String, List<String>> params, String without) {
        return params.entrySet().stream()
                .filter(e -> !e.getKey().equals(without))
                .flatMap(e -> e.getValue().stream()
                        .map(v -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                                + URLEncoder.encode(v, StandardCharsets.UTF_8)))
                .collect(Collectors.joining("&"));
    }
}
