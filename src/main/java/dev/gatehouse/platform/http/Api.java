package dev.gatehouse.platform.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Declares routes on the server and remembers each one for the OpenAPI document. */
public final class Api {
    private final RoutesConfig routes;
    private final List<Operation> operations = new ArrayList<>();
    private final Map<String, Supplier<PublicDocument>> documents;

    Api(RoutesConfig routes, Map<String, Supplier<PublicDocument>> documents) {
        this.routes = routes;
        this.documents = documents;
    }

    public Operation get(String path, Handler handler) {
        return add(HandlerType.GET, path, handler);
    }

    public Operation post(String path, Handler handler) {
        return add(HandlerType.POST, path, handler);
    }

    public Operation put(String path, Handler handler) {
        return add(HandlerType.PUT, path, handler);
    }

    public Operation patch(String path, Handler handler) {
        return add(HandlerType.PATCH, path, handler);
    }

    public Operation delete(String path, Handler handler) {
        return add(HandlerType.DELETE, path, handler);
    }

    /**
     * A public document at {@code path}, {@code current} giving its latest rendering (cached by the caller): served
     * by the server's fast path for a plain GET or HEAD of exactly this path, and by this route otherwise, with the
     * same headers and bytes either way.
     */
    public Operation document(String path, Supplier<PublicDocument> current) {
        documents.put(path, current);
        return get(path, ctx -> {
            PublicDocument d = current.get();
            boolean gzip = d.servesGzip(ctx.header("Accept-Encoding"));
            ctx.disableCompression(); // the document brings its own gzipped form
            d.headers(ctx::header, gzip);
            ctx.result(d.bytes(gzip));
        });
    }

    private Operation add(HandlerType type, String path, Handler handler) {
        routes.addHttpHandler(type, path, handler);
        var op = new Operation(type.name().toLowerCase(java.util.Locale.ROOT), path);
        operations.add(op);
        return op;
    }

    /** Maps a feature's own error type (e.g. RFC 6749 errors) to a response; registered by that feature's routes. */
    public <E extends Exception> void exception(Class<E> type, io.javalin.http.ExceptionHandler<? super E> handler) {
        routes.exception(type, handler);
    }

    public List<Operation> operations() {
        return List.copyOf(operations);
    }
}
