package dev.gatehouse.platform.http;

import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The fast path for {@link PublicDocument}s: a plain GET or HEAD of a document's exact path is answered here, in
 * Jetty's core handler, before the servlet layer and Javalin's pipeline, which cost as much again as the rest of the
 * request (docs/benchmarks.md). The answer is the one the route would give: the same request id, security headers,
 * document headers and bytes, and the same metrics and access log. Anything else (another method, a body, a path
 * the route matches only loosely, a document that cannot be rendered now) goes on to the route, which answers or
 * reports the problem as usual.
 */
final class DocumentHandler extends Handler.Wrapper {
    /** What the server does around every request it serves, whichever path served it. */
    interface Served {
        void started();

        /** After the 200 answer for the document at {@code path} was written (or failed to be). */
        void finished(String path, String method, long nanos, String ip, String requestId);
    }

    private final Map<String, Supplier<PublicDocument>> documents;
    private final boolean https;
    private final Served served;

    DocumentHandler(Map<String, Supplier<PublicDocument>> documents, boolean https, Served served) {
        this.documents = documents;
        this.https = https;
        this.served = served;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        boolean head = "HEAD".equals(method);
        if (!head && !"GET".equals(method)) return super.handle(request, response, callback);
        String path = request.getHttpURI().getPath();
        Supplier<PublicDocument> source = path == null ? null : documents.get(path);
        if (source == null || hasBody(request.getHeaders())) return super.handle(request, response, callback);
        PublicDocument document;
        try {
            document = source.get();
        } catch (RuntimeException e) {
            return super.handle(request, response, callback); // the route reports it (e.g. 503 without a database)
        }

        long start = System.nanoTime();
        served.started();
        String requestId = HttpServer.requestId(request.getHeaders().get("X-Request-Id"));
        boolean gzip = document.servesGzip(request.getHeaders().get(HttpHeader.ACCEPT_ENCODING));
        HttpFields.Mutable headers = response.getHeaders();
        headers.put("X-Request-Id", requestId);
        HttpServer.securityHeaders(headers::put, https);
        document.headers(headers::put, gzip);
        var body = document.body(gzip);
        headers.put(HttpHeader.CONTENT_LENGTH, body.remaining());
        response.setStatus(200);
        String ip = Request.getRemoteAddr(request);
        response.write(
                true,
                head ? null : body,
                Callback.from(callback, () -> served.finished(path, method, System.nanoTime() - start, ip, requestId)));
        return true;
    }

    private static boolean hasBody(HttpFields headers) {
        return headers.getLongField(HttpHeader.CONTENT_LENGTH) > 0 || headers.contains(HttpHeader.TRANSFER_ENCODING);
    }
}
