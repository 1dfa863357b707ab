package dev.gatehouse.platform.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.List;

/** Declares routes on the server and remembers each one for the OpenAPI document. */
public final class Api {
    private final RoutesConfig routes;
    private final List<Operation> operations = new ArrayList<>();

    Api(RoutesConfig routes) {
        this.routes = routes;
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
