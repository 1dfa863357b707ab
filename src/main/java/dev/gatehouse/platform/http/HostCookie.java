package dev.gatehouse.platform.http;

import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;

/**
 * A cookie for the whole server that only this host can set (ADR 0023). Over HTTPS its name carries the
 * {@code __Host-} prefix (RFC 6265bis §4.1.3.2), so browsers refuse it unless it is {@code Secure}, has
 * {@code Path=/} and no {@code Domain}: a sibling host of the same site (or a network attacker on plain HTTP)
 * cannot plant one, e.g. to sign a browser into the attacker's session. Only the prefixed name is read then, so a
 * planted unprefixed cookie is ignored. Over plain HTTP (development on loopback) browsers drop a {@code Secure}
 * cookie, so the bare name is used.
 */
public final class HostCookie {
    private final String name;
    private final boolean secure;
    private final SameSite sameSite;

    public HostCookie(String baseName, boolean secure, SameSite sameSite) {
        this.name = secure ? "__Host-" + baseName : baseName;
        this.secure = secure;
        this.sameSite = sameSite;
    }

    /** The name browsers store it under. */
    public String name() {
        return name;
    }

    /** The browser's value, or null. */
    public String read(Context ctx) {
        return ctx.cookie(name);
    }

    /** Sets it, HttpOnly, for {@code maxAgeSeconds} (-1: the browser session). */
    public void set(Context ctx, String value, int maxAgeSeconds) {
        var c = new Cookie(name, value, "/", maxAgeSeconds, secure);
        c.setHttpOnly(true);
        c.setSameSite(sameSite);
        ctx.cookie(c);
    }

    /** Expires it; with the attributes it was set with, as browsers only drop a {@code __Host-} cookie that way. */
    public void clear(Context ctx) {
        set(ctx, "", 0);
    }
}
