package dev.gatehouse.oidc;

import dev.gatehouse.login.SessionState;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * OIDC Session Management 1.0. {@code /oauth2/session/iframe} is the OP iframe (§3.3): it receives
 * {@code client_id + " " + session_state} by postMessage and answers {@code changed}, {@code unchanged} or
 * {@code error}. The browser state lives in the HttpOnly SSO cookie, which the iframe's script cannot read, so the
 * script asks {@code /oauth2/session/check} (same origin, with the cookie), and the server recomputes session_state
 * from the client, the message's origin, the current browser state and the salt. The check also refuses an origin
 * that is not one of the client's redirect URI origins (a loopback IP one on any port, as the authorization endpoint
 * takes it: {@link OAuthClient#redirectsToOrigin}). The iframe may be framed by any origin a client can register
 * a redirect URI on (https, loopback http); its only script is allowed by hash.
 */
public final class SessionManagementRoutes implements RouteGroup {
    static final String SCRIPT = """
            window.addEventListener("message", function (e) {
              if (typeof e.data !== "string" || !e.source) return;
              var i = e.data.lastIndexOf(" ");
              if (i < 1) { e.source.postMessage("error", e.origin); return; }
              var url = "/oauth2/session/check?client_id=" + encodeURIComponent(e.data.substring(0, i))
                + "&origin=" + encodeURIComponent(e.origin)
                + "&session_state=" + encodeURIComponent(e.data.substring(i + 1));
              fetch(url, {credentials: "same-origin", cache: "no-store"})
                .then(function (r) { return r.json(); })
                .then(function (j) { e.source.postMessage(j.status || "error", e.origin); },
                      function () { e.source.postMessage("error", e.origin); });
            }, false);
            """;
    static final String SCRIPT_HASH = "'sha256-"
            + Base64.getEncoder().encodeToString(Secrets.digest(SCRIPT.getBytes(StandardCharsets.UTF_8))) + "'";
    static final String IFRAME_CSP = "default-src 'none'; script-src " + SCRIPT_HASH
            + "; connect-src 'self'; frame-ancestors https: http://localhost:* http://127.0.0.1:* http://[::1]:*";
    static final String PAGE =
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Session check</title>\n"
                    + "<script>" + SCRIPT + "</script>\n</head>\n<body></body>\n</html>\n";

    private final ClientService clients;
    private final SsoService sso;
    private final HostCookie ssoCookie;
    private final Web web;

    public SessionManagementRoutes(ClientService clients, SsoService sso, HostCookie ssoCookie, Web web) {
        this.clients = clients;
        this.sso = sso;
        this.ssoCookie = ssoCookie;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/oauth2/session/iframe", ctx -> Html.send(ctx, 200, PAGE, IFRAME_CSP))
                .tag("oidc")
                .summary("OP iframe (OIDC Session Management 1.0 check_session_iframe)")
                .returns(200, "HTML page with the postMessage script");
        api.get("/oauth2/session/check", this::check)
                .tag("oidc")
                .summary("Whether a session_state still matches this browser's SSO session (for the OP iframe)")
                .returns(200, "{\"status\": \"changed\" | \"unchanged\"}")
                .returns(400, "{\"status\": \"error\"} for an unknown client, a foreign origin or a malformed value");
    }

    private void check(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        String clientId = ctx.queryParam("client_id");
        String origin = ctx.queryParam("origin");
        String sessionState = ctx.queryParam("session_state");
        if (clientId == null || origin == null || sessionState == null || sessionState.length() > 200) {
            error(ctx, "client_id, origin and session_state are required");
            return;
        }
        Optional<OAuthClient> client = clients.find(clientId);
        if (client.isEmpty() || !client.get().redirectsToOrigin(origin)) {
            error(ctx, "the origin is not one of the client's");
            return;
        }
        // Polled by the relying party, not a use by the user: it must not move the sign-in's idle expiry on.
        String browserState = SessionState.browserState(sso.peek(ssoCookie.read(ctx)));
        boolean same = SessionState.matches(sessionState, clientId, origin, browserState);
        web.json(ctx, 200, Map.of("status", same ? "unchanged" : "changed"));
    }

    private void error(Context ctx, String description) {
        // "status" for the iframe's script; "error" as every OAuth endpoint answers (RFC 6749 §5.2).
        web.json(ctx, 400, Map.of("status", "error", "error", "invalid_request", "error_description", description));
    }
}
