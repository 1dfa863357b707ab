package dev.gatehouse.platform.http;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The error format of each surface that does not speak RFC 9457 (DESIGN.md section 4: the OAuth endpoints answer RFC
 * 6749 errors), for the errors the platform raises on its routes rather than the routes themselves: a method not
 * allowed (405), a body too large (413), a request Jetty refuses, an outage (503) or a failure (500). A surface
 * registers its paths with {@link Api#problemsAs}; the hosted pages register theirs with {@link Api#pages}, where a
 * browser gets an error page ({@link HttpServer}); every other path keeps RFC 9457 problems.
 */
final class ProblemFormats {
    private final Map<String, Function<Problem, FormAnswer>> byPath = new ConcurrentHashMap<>();
    private final Set<String> pages = ConcurrentHashMap.newKeySet();
    private final String issuer;

    ProblemFormats(String issuer) {
        this.issuer = issuer;
    }

    void register(String path, Function<Problem, FormAnswer> format) {
        byPath.put(checked(path), format);
    }

    void registerPage(String path) {
        pages.add(checked(path));
    }

    /** True when {@code path} or a parent of it registered a format of its own ({@link Api#problemsAs}). */
    boolean hasOwnFormat(String path) {
        return nearest(path, byPath::containsKey) != null;
    }

    /** True when {@code path} is a hosted page's or below one ({@code /account} covers {@code /account/security}). */
    boolean isPage(String path) {
        return nearest(path, pages::contains) != null;
    }

    /**
     * {@code p} as the surface of {@code path} words it: in the format registered for the path itself or its nearest
     * registered parent ({@code /oauth2/register} covers {@code /oauth2/register/{client_id}}), with the problem's
     * headers; else the RFC 9457 problem, its {@code type} under the issuer.
     */
    FormAnswer answer(String path, Problem p) {
        String at = nearest(path, byPath::containsKey);
        if (at != null) return byPath.get(at).apply(p).plus(p.headers());
        var headers = new java.util.LinkedHashMap<>(p.headers());
        headers.put("Content-Type", "application/problem+json");
        return new FormAnswer(p.status(), headers, p.body(issuer));
    }

    /** {@code path} or its nearest parent that is {@code registered}, segment by segment; null when none is. */
    private static String nearest(String path, java.util.function.Predicate<String> registered) {
        if (path == null) return null;
        String at = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        while (!at.isEmpty()) {
            if (registered.test(at)) return at;
            at = at.substring(0, at.lastIndexOf('/'));
        }
        return null;
    }

    private static String checked(String path) {
        if (!path.startsWith("/") || path.endsWith("/"))
            throw new IllegalArgumentException("a path from the root, without a trailing slash: " + path);
        return path;
    }
}
