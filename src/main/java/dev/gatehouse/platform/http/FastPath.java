package dev.gatehouse.platform.http;

import java.util.List;
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

    /** {@code callback} completed after {@code then}, whether the write succeeded or failed. */
    static Callback finishing(Callback callback, Runnable then) {
        return Callback.from(
                () -> {
                    then.run();
                    callback.succeeded();
                },
                failure -> {
                    then.run();
                    callback.failed(failure);
                });
    }
}
