package dev.gatehouse.platform.http;

import java.nio.charset.Charset;
import java.util.Arrays;

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

    /** The reason {@link #malformed} gets for a read endpoint's query that cannot be read as a form. */
    String MALFORMED_QUERY = "the query must be well-formed: each '%' followed by two hex digits, the escapes UTF-8";

    /** The reason {@link #malformed} gets for a form in a charset that does not write ASCII as ASCII. */
    String UNREADABLE_CHARSET = "the form's charset must write ASCII as ASCII (UTF-8, say), not UTF-16 or UTF-32";

    FormAnswer handle(FormCall call);

    /** The answer to a body that is not a well-formed form of at most 1 MiB; {@code reason} is public text. */
    FormAnswer malformed(String reason);

    /** True for an {@code application/x-www-form-urlencoded} content type (any parameters). */
    public static boolean isForm(String contentType) {
        String form = "application/x-www-form-urlencoded";
        return contentType != null && contentType.regionMatches(true, 0, form, 0, form.length());
    }

    /**
     * False when {@code contentType} names a known charset in which ASCII is not one byte a character (UTF-16, UTF-32,
     * EBCDIC): a form's '=', '&' and '%' are ASCII bytes (WHATWG URL §5), so such a body is not a form, on either path.
     * An unknown charset is left to the 415 that every surface gives it.
     */
    static boolean asciiCompatible(String contentType) {
        for (String name : HttpServer.charsets(contentType)) {
            Charset charset;
            try {
                charset = Charset.forName(name);
            } catch (IllegalArgumentException e) { // unknown or illegal name
                continue;
            }
            if (!charset.canEncode()
                    || !Arrays.equals(HttpServer.FORM_ASCII.getBytes(charset), HttpServer.FORM_ASCII_BYTES))
                return false;
        }
        return true;
    }
}
