package dev.gatehouse.platform.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;
import java.util.zip.GZIPOutputStream;

/**
 * A public, cacheable document that is the same for every caller (the discovery metadata, the JWK Set): its bytes,
 * rendered once per change, and the same bytes gzipped when it is large enough for that to pay. Served through
 * {@link Api#document}, by the server's fast path for a plain GET or HEAD and by the route otherwise; both answer with
 * the same headers ({@link #headers}) and bytes.
 */
public final class PublicDocument {
    /** Below this size gzip saves less than it costs; the same threshold as Javalin's default compression. */
    static final int GZIP_MIN_BYTES = 1500;

    private final String contentType;
    private final byte[] body;
    private final byte[] gzipped;

    private PublicDocument(String contentType, byte[] body) {
        this.contentType = contentType;
        this.body = body;
        this.gzipped = body.length >= GZIP_MIN_BYTES ? gzip(body) : null;
    }

    /** A UTF-8 JSON document served as {@code contentType} (e.g. {@code application/jwk-set+json}). */
    public static PublicDocument json(String contentType, String json) {
        return new PublicDocument(contentType, json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The {@code Accept-Encoding} value accepts gzip (RFC 9110 §12.5.3): named with a weight above zero, or covered
     * by {@code *} when not named.
     */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) return false;
        Boolean gzip = null;
        boolean star = false;
        for (String part : acceptEncoding.split(",", -1)) {
            String[] codingAndParams = part.split(";", -1);
            String coding = codingAndParams[0].trim();
            boolean accepted = true;
            for (int i = 1; i < codingAndParams.length; i++) {
                String p = codingAndParams[i].trim();
                if (p.length() > 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
                    accepted = weight(p.substring(2)) > 0;
                }
            }
            if (coding.equalsIgnoreCase("gzip") || coding.equalsIgnoreCase("x-gzip")) gzip = accepted;
            else if (coding.equals("*")) star = accepted;
        }
        return gzip != null ? gzip : star;
    }

    private static double weight(String q) {
        try {
            return Double.parseDouble(q.trim());
        } catch (NumberFormatException e) {
            return 0; // a malformed weight accepts nothing
        }
    }

    boolean servesGzip(String acceptEncoding) {
        return gzipped != null && acceptsGzip(acceptEncoding);
    }

    /** The bytes to send: gzipped or plain. */
    ByteBuffer body(boolean gzip) {
        return ByteBuffer.wrap(gzip ? gzipped : body).asReadOnlyBuffer();
    }

    byte[] bytes(boolean gzip) {
        return (gzip ? gzipped : body).clone();
    }

    /**
     * The document's own headers, over the server's defaults: anyone may cache it for five minutes and read it from
     * a browser (the keys and metadata are public), and a cache keeps the gzipped and plain forms apart.
     */
    void headers(BiConsumer<String, String> put, boolean gzip) {
        put.accept("Content-Type", contentType);
        put.accept("Cache-Control", "public, max-age=300");
        put.accept("Access-Control-Allow-Origin", "*");
        if (gzipped != null) put.accept("Vary", "Accept-Encoding");
        if (gzip) put.accept("Content-Encoding", "gzip");
    }

    private static byte[] gzip(byte[] bytes) {
        var out = new ByteArrayOutputStream(bytes.length / 2);
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
