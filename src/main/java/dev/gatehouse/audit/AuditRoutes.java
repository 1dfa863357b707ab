package dev.gatehouse.audit;

import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/** GET /v1/audit/logs (seed 004): newest first, {@code limit} (≤100), {@code offset}, {@code user_id}. */
public final class AuditRoutes implements RouteGroup {
    public record AuditPage(List<AuditRecord> logs, int limit, int offset, int count) {}

    private final AuditLog audit;
    private final Web web;

    public AuditRoutes(AuditLog audit, Web web) {
        this.audit = audit;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/v1/audit/logs", this::list)
                .tag("audit")
                .summary("List audit events, newest first")
                .permission("audit:read")
                .query("limit", "1-100, default 50")
                .query("offset", "default 0")
                .query("user_id", "only events about this user")
                .query("event_type", "only events of this type")
                .returns(200, AuditPage.class);
    }

    private void list(Context ctx) {
        web.require(ctx, "audit:read");
        int limit = web.intQuery(ctx, "limit", 50, 1, 100);
        int offset = web.intQuery(ctx, "offset", 0, 0, 1_000_000);
        var user = web.uuidQuery(ctx, "user_id");
        var type = Optional.ofNullable(ctx.queryParam("event_type")).filter(s -> !s.isBlank());
        // Event types are dotted lower-case words; anything else (a NUL byte, say) is refused, not sent to SQL.
        if (type.isPresent() && !type.get().matches("[a-z0-9_.]{1,64}")) {
            throw dev.gatehouse.platform.http.Problem.invalidField("event_type", "is not an event type");
        }
        var logs = audit.list(user, type, limit, offset);
        web.ok(ctx, new AuditPage(logs, limit, offset, logs.size()));
    }
}
