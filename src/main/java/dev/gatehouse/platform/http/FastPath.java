package dev.gatehouse.platform.http;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's core handler in front of the servlet layer and Javalin's pipeline, which cost as much again as the rest of
 * a small request (docs/benchmarks.md): the routes here answer the requests they recognise exactly — public documents
 * ({@link DocumentRoute}, ADR 0015), form endpoints ({@link FormRoute}, ADR 0016) — with the answer Javalin's route
 * would give, and pass everything else on to Javalin, which Javalin mounts inside this wrapper.
 */
final class FastPath extends Handler.Wrapper {
    /** A route on the fast path. */
    interface Route {
        /** Answers the request and returns true, or returns false without touching it. */
        boolean serve(Request request, Response response, Callback callback) throws Exception;
    }

    /** What the server does around every request it serves, whichever path served it. */
    interface Served {
        void started();

        /** After the answer was written (or failed to be); {@code route} is the path template of the metrics. */
        void finished(String route, String method, int status, long nanos, String ip, String requestId);
    }

    private final List<Route> routes;

    FastPath(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        for (Route route : routes) {
            if (route.serve(request, response, callback)) return true;
        }
        return super.handle(request, response, callback);
    }

    /** A request a fast-path route has taken: counted in flight from here, reported once its answer is written. */
    static final class Exchange {
        final String requestId;
        final String ip;
        private final long start = System.nanoTime();
        private final String route;
        private final String method;
        private final boolean https;
        private final Served served;

        /** {@code route}: the path template of the metrics (the fast path's routes are exact paths). */
        Exchange(Request request, String route, boolean https, Served served) {
            this.requestId = HttpServer.requestId(request.getHeaders().get("X-Request-Id"));
            this.ip = Request.getRemoteAddr(request);
            this.route = route;
            this.method = request.getMethod();
            this.https = https;
            this.served = served;
            served.started();
        }

        /**
         * Writes the answer as every answer of the server goes out: the request id and the security headers, then the
         * route's own headers ({@code own}, which may replace them), the length of {@code body} (sent unless
         * {@code head}); reported as served once written, or once the write failed.
         */
        void answer(
                Response response,
                Callback callback,
                int status,
                Consumer<HttpFields.Mutable> own,
                ByteBuffer body,
                boolean head) {
            HttpFields.Mutable headers = response.getHeaders();
            headers.put("X-Request-Id", requestId);
            HttpServer.securityHeaders(headers::put, https);
            own.accept(headers);
            headers.put(HttpHeader.CONTENT_LENGTH, body.remaining());
            response.setStatus(status);
            Runnable finished = () -> served.finished(route, method, status, System.nanoTime() - start, ip, requestId);
            response.write(
                    true,
                    head ? null : body,
                    Callback.from(
                            () -> {
                                finished.run();
                                callback.succeeded();
                            },
                            failure -> {
                                finished.run();
                                callback.failed(failure);
                            }));
        }
    }
}
