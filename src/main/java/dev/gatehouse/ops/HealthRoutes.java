package dev.gatehouse.ops;

import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Liveness, readiness (503 while the database is unreachable or the node drains) and a detailed view for admins. */
public final class HealthRoutes implements RouteGroup {
    public record Health(String status, Map<String, String> checks, String version) {}

    public record Detailed(
            String status,
            String version,
            long uptimeSeconds,
            Map<String, Object> database,
            Map<String, Object> memory,
            Map<String, Object> components) {}

    private final Database db;
    private final Web web;
    private final String version;
    private final BooleanSupplier draining;
    private final Supplier<Map<String, Object>> components;
    private final Clock clock;

    public HealthRoutes(
            Database db,
            Web web,
            String version,
            BooleanSupplier draining,
            Supplier<Map<String, Object>> components,
            Clock clock) {
        this.db = db;
        this.web = web;
        this.version = version;
        this.draining = draining;
        this.components = components;
        this.clock = clock;
    }

    @Override
    public void routes(Api api) {
        api.get("/health", this::health)
                .tag("operations")
                .summary("Health with the status of each dependency")
                .returns(200, Health.class)
                .returns(503, Health.class);
        api.get("/health/live", this::live)
                .tag("operations")
                .summary("Liveness: the process answers")
                .returns(200, Health.class);
        api.get("/health/ready", this::ready)
                .tag("operations")
                .summary("Readiness: able to serve requests")
                .returns(200, Health.class)
                .returns(503, Health.class);
        api.get("/health/detailed", this::detailed)
                .tag("operations")
                .summary("Detailed health for administrators")
                .permission("system:read")
                .returns(200, Detailed.class);
    }

    private void health(Context ctx) {
        boolean up = db.ping();
        web.json(
                ctx,
                up ? 200 : 503,
                new Health(up ? "ok" : "degraded", Map.of("database", up ? "up" : "down"), version));
    }

    private void live(Context ctx) {
        web.ok(ctx, new Health("ok", Map.of(), version));
    }

    private void ready(Context ctx) {
        boolean up = db.ping();
        boolean ready = up && !draining.getAsBoolean();
        web.json(
                ctx,
                ready ? 200 : 503,
                new Health(
                        ready ? "ok" : "unavailable",
                        Map.of(
                                "database",
                                up ? "up" : "down",
                                "node",
                                draining.getAsBoolean() ? "draining" : "serving"),
                        version));
    }

    private void detailed(Context ctx) {
        web.require(ctx, "system:read");
        boolean up = db.ping();
        var pool = db.pool().getHikariPoolMXBean();
        Map<String, Object> database = Map.of(
                "status", up ? "up" : "down",
                "engine", db.isPostgres() ? "postgresql" : "h2",
                "active_connections", pool == null ? 0 : pool.getActiveConnections(),
                "idle_connections", pool == null ? 0 : pool.getIdleConnections(),
                "max_pool_size", db.pool().getMaximumPoolSize());
        Runtime rt = Runtime.getRuntime();
        Map<String, Object> memory =
                Map.of("heap_used_bytes", rt.totalMemory() - rt.freeMemory(), "heap_max_bytes", rt.maxMemory());
        long uptime = ManagementFactory.getRuntimeMXBean().getUptime() / 1000;
        var comps = new java.util.LinkedHashMap<>(components.get());
        comps.put("checked_at", clock.instant().toString());
        web.ok(ctx, new Detailed(up ? "ok" : "degraded", version, uptime, database, memory, comps));
    }
}
