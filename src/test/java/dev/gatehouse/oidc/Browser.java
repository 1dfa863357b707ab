package dev.gatehouse.oidc;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A cookie-keeping HTTP client that follows redirects by hand, so tests see where the server sends the browser. */
final class Browser {
    final String base;
    final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    final HttpClient http;
    /**
     * What the browser says of the pages its posts come from ({@code Sec-Fetch-Site}); null sends nothing, as a
     * browser without Fetch Metadata would.
     */
    String fetchSite;
    /** The {@code User-Agent} the browser sends; null sends the HTTP client's own. */
    String userAgent;

    Browser(String base) {
        this.base = base;
        this.http = HttpClient.newBuilder()
                .cookieHandler(cookies)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    HttpResponse<String> get(URI uri) throws Exception {
        var request = HttpRequest.newBuilder(uri).GET();
        if (userAgent != null) request.header("User-Agent", userAgent);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(URI uri, Map<String, String> form) throws Exception {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        var request = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (fetchSite != null) request.header("Sec-Fetch-Site", fetchSite);
        if (userAgent != null) request.header("User-Agent", userAgent);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Posts the form shown in {@code page} to {@code path} with {@code fields}, and what the page carries in hidden
     * fields as a browser would: its CSRF token (which must be there), and a mailed link's token, the language and the
     * return path when the page has them.
     */
    HttpResponse<String> submit(HttpResponse<String> page, String path, Map<String, String> fields) throws Exception {
        var form = new java.util.HashMap<>(fields);
        form.put("csrf", hidden(page.body(), "csrf"));
        for (String name : java.util.List.of("token", "ui_locales", "return_to")) {
            if (page.body().contains("name=\"" + name + "\" value=")) form.putIfAbsent(name, hidden(page.body(), name));
        }
        return post(URI.create(base + path), form);
    }

    static URI location(HttpResponse<String> r) {
        return r.request()
                .uri()
                .resolve(r.headers()
                        .firstValue("Location")
                        .orElseThrow(() -> new AssertionError("no redirect: " + r.statusCode() + " " + r.body())));
    }

    /** Follows redirects while they stay on the server; returns the first response that does not redirect there. */
    HttpResponse<String> follow(HttpResponse<String> r) throws Exception {
        while (r.statusCode() / 100 == 3 && location(r).toString().startsWith(base)) r = get(location(r));
        return r;
    }

    static String hidden(String html, String name) {
        Matcher m = Pattern.compile("name=\"" + name + "\" value=\"([^\"]*)\"").matcher(html);
        if (!m.find()) throw new AssertionError("no field " + name + " in " + html);
        return m.group(1).replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'");
    }

    /** {@code r}, or when it is the consent page, what allowing there answers (redirects followed). */
    HttpResponse<String> allowIfAsked(HttpResponse<String> r) throws Exception {
        return r.statusCode() == 200 && r.body().contains("action=\"/consent\"") ? consent(r, "allow") : r;
    }

    /** Answers the consent page shown in {@code page} and follows the redirects that come back. */
    HttpResponse<String> consent(HttpResponse<String> page, String decision) throws Exception {
        return follow(submitConsent(page, decision));
    }

    /** Answers the consent page shown in {@code page}; the server's answer, not followed. */
    HttpResponse<String> submitConsent(HttpResponse<String> page, String decision) throws Exception {
        return post(
                URI.create(base + "/consent"),
                Map.of(
                        "csrf",
                        hidden(page.body(), "csrf"),
                        "return_to",
                        hidden(page.body(), "return_to"),
                        "decision",
                        decision));
    }

    /** Submits the login form shown in {@code page} and follows the redirects that come back. */
    HttpResponse<String> signIn(HttpResponse<String> page, String email, String password) throws Exception {
        return follow(submitSignIn(page, email, password));
    }

    /** Submits the login form shown in {@code page}; the server's answer, not followed. */
    HttpResponse<String> submitSignIn(HttpResponse<String> page, String email, String password) throws Exception {
        String html = page.body();
        return post(
                URI.create(base + "/login"),
                Map.of(
                        "csrf",
                        hidden(html, "csrf"),
                        "return_to",
                        hidden(html, "return_to"),
                        "email",
                        email,
                        "password",
                        password));
    }
}
