package dev.gatehouse.platform.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem for the /v1 API. {@code detail} is public text; {@code internal} is for logs only and never
 * leaves the server.
 */
public final class Problem extends RuntimeException {
    private final int status;
    private final String code;
    private final String title;
    private final String detail;
    private final Map<String, String> errors;
    private final Map<String, String> headers = new LinkedHashMap<>();

    public Problem(int status, String code, String title, String detail, Map<String, String> errors) {
        super(code + ": " + detail, null, false, false);
        this.status = status;
        this.code = code;
        this.title = title;
        this.detail = detail;
        this.errors = errors == null ? Map.of() : Map.copyOf(errors);
    }

    public static Problem badRequest(String code, String detail) {
        return new Problem(400, code, "Bad Request", detail, null);
    }

    public static Problem validation(Map<String, String> errors) {
        String first = errors.keySet().iterator().next();
        return new Problem(
                422,
                "validation_failed",
                "Validation failed",
                "The request has invalid fields: " + String.join(", ", errors.keySet()) + " (" + first + ": "
                        + errors.get(first) + ")",
                errors);
    }

    public static Problem invalidField(String field, String message) {
        return validation(Map.of(field, message));
    }

    public static Problem unauthorized(String detail) {
        return new Problem(401, "unauthorized", "Unauthorized", detail, null).withHeader("WWW-Authenticate", "Bearer");
    }

    public static Problem invalidToken(String detail) {
        return new Problem(401, "invalid_token", "Unauthorized", detail, null)
                .withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    }

    public static Problem forbidden(String detail) {
        return new Problem(403, "forbidden", "Forbidden", detail, null);
    }

    public static Problem notFound(String what) {
        return new Problem(404, "not_found", "Not Found", what + " was not found", null);
    }

    public static Problem conflict(String code, String detail) {
        return new Problem(409, code, "Conflict", detail, null);
    }

    public static Problem gone(String code, String detail) {
        return new Problem(410, code, "Gone", detail, null);
    }

    public static Problem tooManyRequests(long retryAfterSeconds) {
        return new Problem(429, "rate_limited", "Too Many Requests", "Too many requests; retry later", null)
                .withHeader("Retry-After", Long.toString(Math.max(1, retryAfterSeconds)));
    }

    public Problem withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return detail;
    }

    public Map<String, String> errors() {
        return errors;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** The JSON body; {@code type} points at the problem's documentation under the issuer. */
    public Map<String, Object> body(String issuer) {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", issuer + "/problems/" + code);
        m.put("title", title);
        m.put("status", status);
        m.put("detail", detail);
        m.put("code", code);
        if (!errors.isEmpty()) m.put("errors", errors);
        return m;
    }
}
