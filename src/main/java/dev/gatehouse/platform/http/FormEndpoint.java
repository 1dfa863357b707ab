package dev.gatehouse.platform.http;

/**
 * A POST endpoint that takes an {@code application/x-www-form-urlencoded} body and answers JSON: the OAuth token,
 * introspection and revocation endpoints. Declared with {@link Api#form}, it is answered by the server's fast path
 * ({@link FormRoute}, ADR 0016) and by a Javalin route otherwise, with the same answer either way. It reports its own
 * errors in its surface's format: {@link #handle} returns them, and {@link #malformed} words the answer to a body
 * that is not a form. Anything it throws becomes the server's RFC 9457 500 (or 503 when the database is gone).
 */
public interface FormEndpoint {
    /** The reason {@link #malformed} gets for a body that cannot be read as a form. */
    String MALFORMED = "the body must be a well-formed application/x-www-form-urlencoded form of at most 1 MiB";

    FormAnswer handle(FormCall call);

    /** The answer to a body that is not a well-formed form of at most 1 MiB; {@code reason} is public text. */
    FormAnswer malformed(String reason);

    /** True for an {@code application/x-www-form-urlencoded} content type (any parameters). */
    public static boolean isForm(String contentType) {
        String form = "application/x-www-form-urlencoded";
        return contentType != null && contentType.regionMatches(true, 0, form, 0, form.length());
    }
}
