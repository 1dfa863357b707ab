package dev.gatehouse.platform.http;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
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
    private final ClientAddress clients;

    /** {@code clients}: who the client of a request is behind trusted proxies (ADR 0018). */
    FastPath(List<Route> routes, ClientAddress clients) {
        this.routes = List.copyOf(routes);
        this.clients = clients;
    }

    /** The request attribute that tells the server's logs a GET was a HEAD (see {@link #handle}). */
    static final String HEAD = "gatehouse.head";

    /**
     * Tries the fast-path routes, then Javalin, with the request as from its client behind trusted proxies. Javalin
     * answers a HEAD on a GET route with 200 and no body without running the route (so a protected or missing
     * resource looked present); here a HEAD reaches Javalin as the GET it stands for, and only the answer's content is
     * dropped: same status and headers, {@code Content-Length} the GET's (RFC 9110 §9.3.2, §8.6).
     */
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (clients.trustsAny()) request = clients.resolve(request);
        for (Route route : routes) {
            if (route.serve(request, response, callback)) return true;
        }
        if (HttpMethod.HEAD.is(request.getMethod())) {
            request.setAttribute(HEAD, true);
            return super.handle(new AsGet(request), new WithoutContent(response), callback);
        }
        return super.handle(request, response, callback);
    }

    /** A HEAD request as the GET it stands for. */
    private static final class AsGet extends Request.Wrapper {
        AsGet(Request request) {
            super(request);
        }

        @Override
        public String getMethod() {
            return HttpMethod.GET.asString();
        }
    }

    /**
     * The answer to a HEAD: whatever the GET route writes is dropped, and nothing goes out until its last write, so
     * {@code Content-Length} can be the GET's: the one the route declared, else the length it wrote.
     */
    private static final class WithoutContent extends Response.Wrapper {
        private long written;

        WithoutContent(Response response) {
            super(response.getRequest(), response);
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback) {
            if (content != null) {
                written += content.remaining();
                content.position(content.limit());
            }
            if (!last) {
                callback.succeeded();
                return;
            }
            if (!isCommitted() && !getHeaders().contains(HttpHeader.CONTENT_LENGTH))
                getHeaders().put(HttpHeader.CONTENT_LENGTH, written);
            super.write(true, null, callback);
        }
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
