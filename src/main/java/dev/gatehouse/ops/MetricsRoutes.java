package dev.gatehouse.ops;

import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.RouteGroup;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** GET /metrics in the Prometheus text format. */
public final class MetricsRoutes implements RouteGroup {
    private final PrometheusMeterRegistry registry;

    public MetricsRoutes(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void routes(Api api) {
        api.get(
                        "/metrics",
                        ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                                .result(registry.scrape()))
                .tag("operations")
                .summary("Prometheus metrics")
                .returns(200, "Prometheus text format");
    }
}
