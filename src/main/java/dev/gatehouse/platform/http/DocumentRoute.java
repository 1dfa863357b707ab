package dev.gatehouse.platform.http;

import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The fast path for {@link PublicDocument}s ({@link FastPath}, ADR 0015): a plain GET or HEAD of a document's exact
 * path is answered here. The answer is the one the route would give: the same request id, security headers,
 * document headers and bytes, and the same metrics and access log. Anything else (another method, a body, a path
 * the route matches only loosely, a document that cannot be rendered now) goes on to the route, which answers or
 * reports the problem as usual.
 */
final class DocumentRoute implements FastPath.Route {
    private final Map<String, Supplier<PublicDocument>> documents;
    private final boolean https;
    private final FastPath.Served served;

    DocumentRoute(Map<String, Supplier<PublicDocument>> documents, boolean https, FastPath.Served served) {
        this.documents = documents;
        this.https = https;
        this.served = served;
    }

    @Override
    public boolean serve(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        boolean head = "HEAD".equals(method);
        if (!head && !"GET".equals(method)) return false;
        String path = request.getHttpURI().getPath();
        Supplier<PublicDocument> source = path == null ? null : documents.get(path);
        if (source == null || hasBody(request.getHeaders())) return false;
        PublicDocument document;
        try {
            document = source.get();
        } catch (RuntimeException e) {
            return false; // the route reports it (e.g. 503 without a database)
        }

        var exchange = new FastPath.Exchange(request, path, https, served);
        boolean gzip = document.servesGzip(request.getHeaders().get(HttpHeader.ACCEPT_ENCODING));
        exchange.answer(response, callback, 200, h -> document.headers(h::put, gzip), document.body(gzip), head);
        return true;
    }

    private static boolean hasBody(HttpFields headers) {
        return headers.getLongField(HttpHeader.CONTENT_LENGTH) > 0 || headers.contains(HttpHeader.TRANSFER_ENCODING);
    }
}
