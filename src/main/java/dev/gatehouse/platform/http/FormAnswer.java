package dev.gatehouse.platform.http;

import java.util.Map;

/**
 * What a {@link FormEndpoint} answers: a status, headers of its own (on top of the security headers every answer
 * carries) and a body written as JSON, or no body when {@code body} is null. A {@code Content-Type} in
 * {@code headers} replaces {@code application/json}.
 */
public record FormAnswer(int status, Map<String, String> headers, Object body) {
    public FormAnswer {
        headers = Map.copyOf(headers);
    }

    public static FormAnswer ok(Object body) {
        return new FormAnswer(200, Map.of(), body);
    }

    /** This answer with {@code more} headers, which replace any of the same name. */
    public FormAnswer plus(Map<String, String> more) {
        if (more.isEmpty()) return this;
        var all = new java.util.LinkedHashMap<>(headers);
        all.putAll(more);
        return new FormAnswer(status, all, body);
    }

    String contentType() {
        return headers.getOrDefault("Content-Type", "application/json");
    }
}
