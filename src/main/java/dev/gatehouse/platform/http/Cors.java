package dev.gatehouse.platform.http;

import io.javalin.http.Context;
import java.util.Map;

/**
 * CORS (the Fetch standard) for the endpoints a browser-based client calls with its own credentials and no cookies:
 * the token, revocation and userinfo endpoints (ADR 0017). The preflight lets any origin ask; whether an origin may
 * read an answer is decided per answer, by the route that knows the client ({@link #answer}). Nothing here sends
 * {@code Access-Control-Allow-Credentials}: these endpoints never read cookies.
 */
public final class Cors {
    /** The request headers a client may send: its credentials, a form or JSON body, a DPoP proof (RFC 9449). */
    public static final String ALLOWED_HEADERS = "Authorization, Content-Type, DPoP";

    /** How long a browser may keep a preflight's answer, in seconds. */
    static final String MAX_AGE = "600";

    private Cors() {}

    /**
     * The headers of an answer that {@code origin} (the request's {@code Origin} header) may read: the challenge of a
     * refusal is exposed too, so the client can tell an expired token from a network failure.
     */
    static Map<String, String> readableBy(String origin) {
        return Map.of(
                "Access-Control-Allow-Origin", origin,
                "Access-Control-Expose-Headers", "WWW-Authenticate",
                "Vary", "Origin");
    }

    /** The headers of an answer to a request with an {@code Origin} that may not read it. */
    public static final Map<String, String> NOT_READABLE = Map.of("Vary", "Origin");

    /**
     * The headers of an answer to a request from {@code origin} (null without one), readable or not. The opaque origin
     * {@code null} (sandboxed frames, local files) is never readable: anyone can send it.
     */
    public static Map<String, String> answer(String origin, boolean readable) {
        if (origin == null) return Map.of();
        return readable && !origin.equals("null") ? readableBy(origin) : NOT_READABLE;
    }

    /**
     * Answers an {@code OPTIONS} request: a CORS preflight from any origin is allowed {@code methods} and
     * {@link #ALLOWED_HEADERS}, and a plain {@code OPTIONS} learns the methods from {@code Allow} (RFC 9110 §9.3.7).
     */
    static void preflight(Context ctx, String methods) {
        ctx.status(204);
        ctx.header("Allow", methods + ", OPTIONS");
        String origin = ctx.header("Origin");
        if (origin == null || origin.equals("null") || ctx.header("Access-Control-Request-Method") == null) return;
        ctx.header("Access-Control-Allow-Origin", origin);
        ctx.header("Access-Control-Allow-Methods", methods);
        ctx.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
        ctx.header("Access-Control-Max-Age", MAX_AGE);
        ctx.header("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    }
}
