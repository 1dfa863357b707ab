package dev.gatehouse.platform.http;

import io.javalin.http.Context;

/** Server-rendered pages: escaping, one layout, and the headers every hosted page sends. */
public final class Html {
    public static final String PAGE_CSP =
            "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

    private Html() {}

    public static String escape(String s) {
        if (s == null) return "";
        var b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * A whole page in English; {@code body} must already be escaped. Prefer {@link #page(Messages, String, String)}
     * so the page speaks the visitor's language.
     */
    public static String page(String title, String body) {
        return page(Messages.of(java.util.Locale.ENGLISH), title, body);
    }

    /**
     * A whole page in the language of {@code t} ({@code <html lang>}); {@code title} is plain text, {@code body} must
     * already be escaped. Forms on it should label every input ({@code <label for>}), give {@code autocomplete}, and
     * show errors with {@code role="alert"} (see {@link #alert}).
     */
    public static String page(Messages t, String title, String body) {
        return """
                <!doctype html>
                <html lang="%s">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%s</title>
                <style>
                body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#111}
                label{display:block;margin:.8rem 0 .2rem}input{width:100%%;padding:.5rem;box-sizing:border-box}
                input[type=radio],input[type=checkbox]{width:auto;margin-right:.5rem}li{margin:.6rem 0}
                h3,li,p{overflow-wrap:anywhere}
                button{margin-top:1rem;padding:.6rem 1.2rem}.error{color:#a00}
                :focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}
                </style>
                </head>
                <body>
                <main>
                <h1>%s</h1>
                %s
                </main>
                </body>
                </html>
                """.formatted(escape(t.lang()), escape(title), escape(title), body);
    }

    /** Plain text in {@code <strong>}, escaped: an argument of {@link Messages#markup}. */
    public static String strong(String text) {
        return "<strong>" + escape(text) + "</strong>";
    }

    /** A hidden form field; {@code value} is plain text. */
    public static String hidden(String name, String value) {
        return "<input type=\"hidden\" name=\"" + escape(name) + "\" value=\"" + escape(value) + "\">\n";
    }

    /** An error message that screen readers announce; {@code text} is plain text. */
    public static String alert(String text) {
        return "<p class=\"error\" role=\"alert\">" + escape(text) + "</p>\n";
    }

    /**
     * Sends a hosted page with the headers every one needs: a CSP without scripts that also forbids framing
     * (clickjacking), nosniff, no referrer (authorization requests carry state in the URL), and no-store (pages carry
     * CSRF tokens and personal data).
     */
    public static void send(Context ctx, int status, String html) {
        send(ctx, status, html, PAGE_CSP);
    }

    /**
     * Like {@link #send(Context, int, String)} for a page whose form ends, through redirects, at {@code formTarget}
     * (a client's redirect URI the caller has checked): browsers apply {@code form-action} to every redirect after a
     * form is submitted, so that origin must be allowed too or the browser stops before reaching the client.
     */
    public static void send(Context ctx, int status, String html, java.net.URI formTarget) {
        send(ctx, status, html, pageCsp(formTarget));
    }

    /** {@link #PAGE_CSP}, with {@code formTarget}'s origin (or null: none) also allowed as a form-action. */
    private static String pageCsp(java.net.URI formTarget) {
        String source = formTarget == null ? null : sourceOf(formTarget);
        return source == null ? PAGE_CSP : PAGE_CSP.replace("form-action 'self'", "form-action 'self' " + source);
    }

    /**
     * Like {@link #send(Context, int, String, java.net.URI)} for a page that runs a script: only a script element
     * carrying {@code scriptNonce} ({@link #nonce()}, fresh for each response) may run, and it may fetch from the page's
     * own origin (e.g. WebAuthn options). Inline handlers and every other script stay forbidden.
     */
    public static void send(Context ctx, int status, String html, java.net.URI formTarget, String scriptNonce) {
        send(ctx, status, html, pageCsp(formTarget) + "; script-src 'nonce-" + scriptNonce + "'; connect-src 'self'");
    }

    /**
     * Like {@link #send(Context, int, String, java.net.URI)} for a page that shows a generated image inline (a QR code
     * as a {@code data:} URL); no other image source is allowed.
     */
    public static void sendWithInlineImages(Context ctx, int status, String html, java.net.URI formTarget) {
        send(ctx, status, html, pageCsp(formTarget) + "; img-src data:");
    }

    private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();

    /** A fresh CSP nonce: 128 random bits, base64url (a CSP base64-value). */
    public static String nonce() {
        byte[] b = new byte[16];
        NONCES.nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * A page with its own Content-Security-Policy (e.g. one that frames or is framed by known origins). Framing is
     * refused by X-Frame-Options too unless the policy names who may frame the page.
     */
    public static void send(Context ctx, int status, String html, String csp) {
        ctx.status(status);
        ctx.header("Content-Security-Policy", csp);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        if (csp.contains("frame-ancestors 'none'")) ctx.header("X-Frame-Options", "DENY");
        // A policy naming who may frame the page replaces the default DENY (older browsers would obey that instead).
        else if (csp.contains("frame-ancestors")) ctx.res().setHeader("X-Frame-Options", null);
        ctx.header("Cache-Control", "no-store");
        ctx.header("Pragma", "no-cache");
        ctx.contentType("text/html; charset=utf-8").result(html);
    }

    private static final java.util.regex.Pattern SCHEME = java.util.regex.Pattern.compile("[a-z][a-z0-9+.-]{0,40}");
    private static final java.util.regex.Pattern HOST = java.util.regex.Pattern.compile("[A-Za-z0-9.-]{1,253}");

    /**
     * A CSP source expression for a URI: its origin ({@code https://app.example:8443}), or only its scheme
     * ({@code com.example.app:}) for a native app's private-use scheme or an IPv6 literal, which CSP cannot name;
     * null when neither is safe to write into the header.
     */
    static String sourceOf(java.net.URI uri) {
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (scheme == null || !SCHEME.matcher(scheme).matches()) return null;
        String host = uri.getHost();
        if ((scheme.equals("http") || scheme.equals("https"))
                && host != null
                && HOST.matcher(host).matches())
            return scheme + "://" + host + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        return scheme + ":";
    }
}
