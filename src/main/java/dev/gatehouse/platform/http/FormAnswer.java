package dev.gatehouse.platform.http;

import java.util.List;
import java.util.Map;

/**
 * What a {@link FormEndpoint} answers: a status, headers of its own (on top of the security headers every answer
 * carries) and a body written as JSON, or no body when {@code body} is null. A {@code Content-Type} in
 * {@code headers} replaces {@code application/json}. {@code repeated} are further fields of headers that appear more
 * than once (a second {@code WWW-Authenticate} challenge), sent after {@code headers}.
 */
public record FormAnswer(
        int status, Map<String, String> headers, Object body, List<Map.Entry<String, String>> repeated) {
    public FormAnswer {
        headers = Map.copyOf(headers);
        repeated = List.copyOf(repeated);
    }

    public FormAnswer(int status, Map<String, String> headers, Object body) {
        this(status, headers, body, List.of());
    }

    public static FormAnswer ok(Object body) {
        return new FormAnswer(200, Map.of(), body);
    }

    /** This answer with {@code more} headers, which replace any of the same name. */
    public FormAnswer plus(Map<String, String> more) {
        if (more.isEmpty()) return this;
        var all = new java.util.LinkedHashMap<>(headers);
        all.putAll(more);
        return new FormAnswer(status, all, body, repeated);
    }

    /** This answer with one more field of a header it already has (a second challenge, say). */
    public FormAnswer withAnother(String name, String value) {
        var more = new java.util.ArrayList<>(repeated);
        more.add(Map.entry(name, value));
        return new FormAnswer(status, headers, body, more);
    }

    /**
     * Writes this answer on a Javalin route as the fast path writes it: never compressed (answers carry secrets, and
     * compressing secrets beside attacker-chosen text leaks them, BREACH), the body as JSON.
     */
    public void send(io.javalin.http.Context ctx, com.fasterxml.jackson.databind.ObjectMapper mapper) {
        ctx.disableCompression();
        ctx.status(status);
        if (body != null) {
            ctx.contentType(contentType());
            ctx.result(Json.write(mapper, body));
        }
        headers.forEach(ctx::header);
        repeated.forEach(e -> ctx.res().addHeader(e.getKey(), e.getValue()));
    }

    String contentType() {
        return headers.getOrDefault("Content-Type", "application/json");
    }
}
