package dev.gatehouse.oauth;

import dev.gatehouse.platform.http.FormAnswer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 6749 §5.2 error. {@code description} is shown to the client; nothing internal goes in it.
 */
public final class OAuthError extends RuntimeException {
    private final int status;
    private final String error;
    private final String description;
    private final String field;
    /** The WWW-Authenticate challenge, or null for none. */
    private final String challenge;

    public OAuthError(int status, String error, String description) {
        this(status, error, description, null);
    }

    /** An error about one named request field (client metadata), so /v1 can report it per field. */
    public OAuthError(int status, String error, String description, String field) {
        this(status, error, description, field, challengeFor(status, error));
    }

    private OAuthError(int status, String error, String description, String field, String challenge) {
        super(error + ": " + description, null, false, false);
        this.status = status;
        this.error = error;
        // It may quote the request (an unknown grant type, say): only what §5.2 allows goes out.
        this.description = descriptionOf(description);
        this.field = field;
        this.challenge = challenge;
    }

    /**
     * RFC 6750 §3: a bearer token refused, or not granting access, is challenged with its error code; any other 401 is
     * a failed client authentication, challenged with Basic (RFC 6749 §5.2).
     */
    private static String challengeFor(int status, String error) {
        if (error.equals("invalid_token") || error.equals("insufficient_scope"))
            return "Bearer error=\"" + error + "\"";
        return status == 401 ? "Basic realm=\"gatehouse\"" : null;
    }

    /**
     * A 401 for a request that carried no bearer token: RFC 6750 §3.1 says its challenge SHOULD NOT carry an error code,
     * so it is a bare {@code Bearer realm}; the body keeps {@code invalid_token}, the OAuth surface's error field.
     */
    public static OAuthError tokenMissing(String description) {
        return new OAuthError(401, "invalid_token", description, null, "Bearer realm=\"gatehouse\"");
    }

    public java.util.Optional<String> field() {
        return java.util.Optional.ofNullable(field);
    }

    public static OAuthError invalidRequest(String description) {
        return new OAuthError(400, "invalid_request", description);
    }

    /** RFC 6749 §5.2: 401 with WWW-Authenticate when the client tried HTTP authentication. */
    public static OAuthError invalidClient(String description) {
        return new OAuthError(401, "invalid_client", description);
    }

    public static OAuthError invalidGrant(String description) {
        return new OAuthError(400, "invalid_grant", description);
    }

    public static OAuthError unauthorizedClient(String description) {
        return new OAuthError(400, "unauthorized_client", description);
    }

    public static OAuthError unsupportedGrantType(String description) {
        return new OAuthError(400, "unsupported_grant_type", description);
    }

    public static OAuthError invalidScope(String description) {
        return new OAuthError(400, "invalid_scope", description);
    }

    public static OAuthError invalidTarget(String description) {
        return new OAuthError(400, "invalid_target", description);
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String description() {
        return description;
    }

    /** The RFC 6749 §5.2 answer: this error's body, no-store, and its challenge if any (§5.2, RFC 6750 §3). */
    public FormAnswer answer() {
        if (challenge == null) return new FormAnswer(status, Map.of("Cache-Control", "no-store"), body());
        return new FormAnswer(status, Map.of("Cache-Control", "no-store", "WWW-Authenticate", challenge), body());
    }

    /**
     * A problem the server raised on an OAuth endpoint itself (405, 413, a malformed request, 503 while the database is
     * out of reach, 500), as the RFC 6749 §5.2 answer DESIGN.md section 4 promises there: the registered error nearest
     * its status ({@code temporarily_unavailable} and {@code server_error} are §4.1.2.1's), its status kept, and its
     * detail as the description. Registered for each OAuth path with {@code Api#problemsAs}.
     */
    public static FormAnswer of(dev.gatehouse.platform.http.Problem p) {
        String error = switch (p.status()) {
            case 429, 503 -> "temporarily_unavailable";
            default -> p.status() >= 500 ? "server_error" : "invalid_request";
        };
        return new OAuthError(p.status(), error, p.detail()).answer();
    }

    /** §5.2: error_description is printable ASCII without {@code "} and {@code \}; anything else is left out. */
    private static String descriptionOf(String detail) {
        if (detail == null) return null;
        var b = new StringBuilder(detail.length());
        for (int i = 0; i < detail.length(); i++) {
            char c = detail.charAt(i);
            if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') b.append(c);
        }
        return b.toString();
    }

    public Map<String, Object> body() {
        var m = new LinkedHashMap<String, Object>();
        m.put("error", error);
        if (description != null) m.put("error_description", description);
        return m;
    }
}
