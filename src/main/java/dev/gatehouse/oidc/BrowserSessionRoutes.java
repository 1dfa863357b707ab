package dev.gatehouse.oidc;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.login.LoginRoutes;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.oauth.authorize.Acr;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The browser's own sign-in at the hosted login (the SSO cookie), for the pages and scripts of Gatehouse's origin:
 * {@code GET /session} tells who is signed in, since when, how and until when; {@code POST /session/validate} only
 * whether the sign-in still holds. Neither changes anything, and neither answers another origin (no CORS; the cookie
 * is SameSite=Lax and HttpOnly), so a page elsewhere can neither read them nor learn from them.
 */
public final class BrowserSessionRoutes implements RouteGroup {
    /** What {@code GET /session} answers: only {@code authenticated: false} when no one is signed in. */
    public record SessionInfo(
            boolean authenticated,
            String sessionId,
            String sub,
            String email,
            long authTime,
            long expiresAt,
            List<String> amr,
            String acr) {}

    /** What {@code POST /session/validate} answers. */
    public record Validity(boolean valid, Long expiresAt) {}

    private final SsoService sso;
    private final AccountService accounts;
    private final Web web;

    public BrowserSessionRoutes(SsoService sso, AccountService accounts, Web web) {
        this.sso = sso;
        this.accounts = accounts;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/session", this::info)
                .tag("hosted pages")
                .summary("This browser's sign-in at the hosted login (the SSO cookie)")
                .returns(200, SessionInfo.class);
        api.post("/session/validate", this::validate)
                .tag("hosted pages")
                .summary("Whether this browser's sign-in at the hosted login still holds")
                .returns(200, Validity.class);
    }

    /** The browser's SSO session, if it is valid and its user can still sign in. */
    private Optional<SsoSession> current(Context ctx) {
        return sso.find(ctx.cookie(LoginRoutes.SSO_COOKIE))
                .filter(s -> accounts.find(s.userId()).filter(u -> u.active()).isPresent());
    }

    private void info(Context ctx) {
        var found = current(ctx);
        var user = found.flatMap(s -> accounts.find(s.userId()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("authenticated", user.isPresent());
        if (user.isEmpty()) {
            // Not a 401: there is no credential a caller could send, and a page script asks in order to know.
            web.ok(ctx, body);
            return;
        }
        var session = found.get();
        body.put("session_id", session.id().toString());
        body.put("sub", user.get().id().toString());
        body.put("email", user.get().email());
        body.put("auth_time", session.authTime().getEpochSecond());
        body.put("expires_at", session.expiresAt().getEpochSecond());
        body.put("amr", session.amr());
        body.put("acr", Acr.achievedBy(session.amr()));
        web.ok(ctx, body);
    }

    private void validate(Context ctx) {
        var session = current(ctx);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("valid", session.isPresent());
        session.ifPresent(s -> body.put("expires_at", s.expiresAt().getEpochSecond()));
        web.ok(ctx, body);
    }
}
