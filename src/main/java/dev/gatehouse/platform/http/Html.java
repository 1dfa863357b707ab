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

    /** A whole page; {@code body} must already be escaped. */
    public static String page(String title, String body) {
        return """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%s</title>
                <style>
                body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#111}
                label{display:block;margin:.8rem 0 .2rem}input{width:100%%;padding:.5rem;box-sizing:border-box}
                button{margin-top:1rem;padding:.6rem 1.2rem}.error{color:#a00}
                </style>
                </head>
                <body>
                <main>
                <h1>%s</h1>
                %s
                </main>
                </body>
                </html>
                """.formatted(escape(title), escape(title), body);
    }

    public static void send(Context ctx, int status, String html) {
        send(ctx, status, html, PAGE_CSP);
    }

    /** A page with its own Content-Security-Policy (e.g. one that frames or is framed by known origins). */
    public static void send(Context ctx, int status, String html, String csp) {
        ctx.status(status);
        ctx.header("Content-Security-Policy", csp);
        ctx.header("Cache-Control", "no-store");
        ctx.header("Pragma", "no-cache");
        ctx.contentType("text/html; charset=utf-8").result(html);
    }
}
