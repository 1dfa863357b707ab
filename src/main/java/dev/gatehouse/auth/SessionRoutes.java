package dev.gatehouse.auth;

import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.sessions.Session;
import dev.gatehouse.sessions.SessionService;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** /v1/sessions: the caller's active sessions, sign-in history, and ending one session. */
public final class SessionRoutes implements RouteGroup {
    public record SessionView(
            UUID id,
            String deviceId,
            String ip,
            String userAgent,
            String authMethod,
            Instant createdAt,
            Instant lastUsedAt,
            Instant expiresAt,
            Instant endedAt,
            String endReason,
            boolean current) {

        static SessionView of(Session s, Principal p) {
            return new SessionView(
                    s.id(),
                    s.deviceId(),
                    s.ip(),
                    s.userAgent(),
                    s.authMethod(),
                    s.createdAt(),
                    s.lastUsedAt(),
                    s.expiresAt(),
                    s.endedAt(),
                    s.endReason(),
                    p.sessionId().map(s.id()::equals).orElse(false));
        }
    }

    public record SessionPage(List<SessionView> sessions, int limit, int offset, int count) {}

    private final SessionService sessions;
    private final AuthService auth;
    private final Web web;

    public SessionRoutes(SessionService sessions, AuthService auth, Web web) {
        this.sessions = sessions;
        this.auth = auth;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/v1/sessions", this::active)
                .tag("sessions")
                .summary("Active sessions of the caller")
                .bearer()
                .query("limit", "1-100, default 50")
                .query("offset", "default 0")
                .returns(200, SessionPage.class);
        api.get("/v1/sessions/history", this::history)
                .tag("sessions")
                .summary("Sign-in history of the caller")
                .bearer()
                .query("limit", "1-100, default 50")
                .query("offset", "default 0")
                .returns(200, SessionPage.class);
        api.get("/v1/sessions/{id}", this::one)
                .tag("sessions")
                .summary("One of the caller's sessions")
                .bearer()
                .returns(200, SessionView.class)
                .returns(404, "no such session of the caller");
        api.delete("/v1/sessions/{id}", this::revoke)
                .tag("sessions")
                .summary("End one of the caller's sessions")
                .bearer()
                .returns(204, "ended")
                .returns(404, "no such session of the caller");
    }

    private void active(Context ctx) {
        Principal p = web.principal(ctx);
        int limit = web.intQuery(ctx, "limit", 50, 1, 100);
        int offset = web.intQuery(ctx, "offset", 0, 0, 1_000_000);
        var list = sessions.active(p.userId(), limit, offset).stream()
                .map(s -> SessionView.of(s, p))
                .toList();
        web.ok(ctx, new SessionPage(list, limit, offset, list.size()));
    }

    private void history(Context ctx) {
        Principal p = web.principal(ctx);
        int limit = web.intQuery(ctx, "limit", 50, 1, 100);
        int offset = web.intQuery(ctx, "offset", 0, 0, 1_000_000);
        var list = sessions.history(p.userId(), limit, offset).stream()
                .map(s -> SessionView.of(s, p))
                .toList();
        web.ok(ctx, new SessionPage(list, limit, offset, list.size()));
    }

    private void one(Context ctx) {
        Principal p = web.principal(ctx);
        var id = web.uuidPath(ctx, "id");
        var session = sessions.find(id)
                .filter(s -> s.userId().equals(p.userId()))
                .orElseThrow(() -> dev.gatehouse.platform.http.Problem.notFound("The session"));
        web.ok(ctx, SessionView.of(session, p));
    }

    private void revoke(Context ctx) {
        Principal p = web.principal(ctx);
        auth.revokeSession(p.userId(), web.uuidPath(ctx, "id"), web.info(ctx));
        ctx.status(204);
    }
}
