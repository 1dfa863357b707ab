package dev.gatehouse.platform.http;

import dev.gatehouse.platform.crypto.Secrets;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;

/**
 * The CSRF protection of one family of hosted forms (ADR 0023): a random token in a {@code SameSite=Strict} HttpOnly
 * cookie scoped to the pages' path, repeated in the form's hidden {@code csrf} field (double submit), and the browser's
 * own word on where the post came from. A post whose {@code Sec-Fetch-Site} is {@code cross-site} or
 * {@code same-site} is refused even with a matching pair: a sibling host of the same site can plant cookies for
 * this one, so the pair alone proves nothing against it, but it cannot make the browser call its post same-origin.
 * Browsers without Fetch Metadata (before 2023 for Safari) send no such header and get the double submit alone.
 */
public final class FormCsrf {
    /** The form field that repeats the cookie. */
    public static final String FIELD = "csrf";

    private final String cookie;
    private final String path;
    private final boolean secure;

    public FormCsrf(String cookie, String path, boolean secure) {
        this.cookie = cookie;
        this.path = path;
        this.secure = secure;
    }

    /** Sets {@code token} as this browser's token for the forms under the path; returns it for the hidden field. */
    public String issue(Context ctx, String token) {
        var c = new Cookie(cookie, token, path, -1, secure);
        c.setHttpOnly(true);
        c.setSameSite(SameSite.STRICT);
        ctx.cookie(c);
        return token;
    }

    private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{20,100}");

    /**
     * The token for a page's hidden field: the browser's current one while its cookie holds a well-formed token, so
     * that two tabs of the same forms (two sign-ins, two consent pages) both stay valid; else {@code fresh}, set as
     * the cookie.
     */
    public String forPage(Context ctx, java.util.function.Supplier<String> fresh) {
        String token = current(ctx);
        return token != null && TOKEN.matcher(token).matches() ? token : issue(ctx, fresh.get());
    }

    /** The browser's current token (which a page may reuse while it is well formed), or null. */
    public String current(Context ctx) {
        return ctx.cookie(cookie);
    }

    /**
     * The token of a form post whose {@code csrf} field repeats the cookie and which the browser does not call
     * cross-site or same-site; null otherwise.
     */
    public String checked(Context ctx) {
        String presented = ctx.formParam(FIELD);
        return matches(ctx, presented) ? presented : null;
    }

    /**
     * Whether {@code presented} (a form field, or a header a page's script sends) repeats the cookie, in a request the
     * browser does not call cross-site or same-site.
     */
    public boolean matches(Context ctx, String presented) {
        String expected = ctx.cookie(cookie);
        return expected != null
                && presented != null
                && Secrets.constantTimeEquals(expected, presented)
                && fromOwnPage(ctx.header("Sec-Fetch-Site"));
    }

    /** Drops the cookie (after the form's last step). */
    public void clear(Context ctx) {
        ctx.removeCookie(cookie, path);
    }

    /**
     * Whether a {@code Sec-Fetch-Site} value allows a form post: {@code same-origin}, {@code none} (the user's own
     * navigation, such as a reload that posts again) or absent (a browser without Fetch Metadata).
     */
    static boolean fromOwnPage(String secFetchSite) {
        return secFetchSite == null || secFetchSite.equals("same-origin") || secFetchSite.equals("none");
    }
}
