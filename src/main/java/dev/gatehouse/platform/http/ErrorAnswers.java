package dev.gatehouse.platform.http;

import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server answers when a request fails outside a route's own refusals: an exception no route handled (a
 * database outage is a 503 to retry, anything else a 500 with the request id to quote, never the exception's text),
 * Javalin's own refusals as problems, and the error page a browser gets around a hosted page.
 */
public final class ErrorAnswers {
    // The HTTP front's log, as before this class was split out of it: operators filter on that name.
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

    private ErrorAnswers() {}

    /**
     * The answer to an exception no route handled, logged: 503 with Retry-After when the database is unreachable (an
     * outage, not a bug: no stack trace per request), else 500 with the request id to quote.
     */
    static Problem unexpected(Exception e, String method, String path, Object requestId) {
        if (databaseUnreachable(e)) {
            log.warn("Database unreachable on {} {}: {}", method, path, rootCause(e));
            return new Problem(
                            503,
                            "service_unavailable",
                            "Service Unavailable",
                            "The service is temporarily unavailable; retry shortly (request id " + requestId + ")",
                            null)
                    .withHeader("Retry-After", "5");
        }
        log.error("Unhandled error on {} {}", method, path, e);
        return new Problem(
                500,
                "internal_error",
                "Internal Server Error",
                "Something went wrong on our side; quote request id " + requestId,
                null);
    }

    /** True when {@code e} comes from losing the database connection (SQLState class 08), not from a bad query. */
    static boolean databaseUnreachable(Throwable e) {
        boolean inDriver = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException
                    || t instanceof java.sql.SQLNonTransientConnectionException) return true;
            if (t instanceof java.sql.SQLException s
                    && s.getSQLState() != null
                    && s.getSQLState().startsWith("08")) return true;
            // H2's server mode reports a connection cut mid-statement as a general "IO Exception" (90028) caused by
            // the socket's EOFException, without a connection SQLState; when the H2 server saw the cut first, the
            // client gets its 90028 or "connection broken" (90067) with no cause at all (the trace travels as text).
            if (inDriver && t instanceof java.io.IOException) return true;
            if (t instanceof java.sql.SQLException s
                    && ("90028".equals(s.getSQLState()) || "90067".equals(s.getSQLState()))) return true;
            inDriver |= t instanceof java.sql.SQLException;
        }
        return false;
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    static Problem fromJavalin(HttpResponseException e, String path) {
        return switch (e.getStatus()) {
            case 413 ->
                new Problem(413, "payload_too_large", "Payload Too Large", "The body must be at most 1 MiB", null);
            case 404 -> Problem.notFound("The resource " + path);
            case 405 -> {
                var p = new Problem(
                        405, "method_not_allowed", "Method Not Allowed", "This method is not allowed here", null);
                // RFC 9110 §15.5.6: a 405 lists the methods the resource supports
                e.getDetails().values().stream().findFirst().ifPresent(methods -> p.withHeader("Allow", methods));
                yield p;
            }
            default ->
                e.getStatus() >= 500
                        ? new Problem(
                                e.getStatus(), "server_error", "Server Error", "The server could not answer", null)
                        : new Problem(
                                e.getStatus(),
                                "bad_request",
                                "Bad Request",
                                "The request could not be processed",
                                null);
        };
    }

    /**
     * The page a browser gets for what the server refused around a hosted page: an outage to retry, too many requests
     * (its {@code Retry-After} says when), a failure with the request id to quote, or a request the page does not take.
     * Nothing of the problem's own (English) text.
     */
    public static String errorPage(Messages t, int status, Object requestId) {
        String kind = switch (status) {
            case 429 -> "too_many";
            case 503 -> "unavailable";
            default -> status >= 500 ? "failed" : "refused";
        };
        String id = requestId == null ? "" : requestId.toString();
        return Html.page(
                t,
                t.get("page.error." + kind + ".title"),
                "<p>" + Html.escape(t.get("page.error." + kind)) + "</p>\n" + "<p>"
                        + Html.escape(t.get("page.error.reference", id)) + "</p>\n");
    }
}
