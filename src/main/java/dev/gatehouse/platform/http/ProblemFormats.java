package dev.gatehouse.platform.http;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The error format of each surface that does not speak RFC 9457 (DESIGN.md section 4: the OAuth endpoints answer RFC
 * 6749 errors), for the errors the platform raises on its routes rather than the routes themselves: a method not
 * allowed (405), a body too large (413), a request Jetty refuses, an outage (503) or a failure (500). A surface
 * registers its paths with {@link Api#problemsAs}; every other path keeps RFC 9457 problems.
 */
final class ProblemFormats {
    private final Map<String, Function<Problem, FormAnswer>> byPath = new ConcurrentHashMap<>();

    void register(String path, Function<Problem, FormAnswer> format) {
        if (!path.startsWith("/") || path.endsWith("/"))
            throw new IllegalArgumentException("a path from the root, without a trailing slash: " + path);
        byPath.put(path, format);
    }

    /**
     * {@code p} as the surface of {@code path} words it: the format registered for the path itself or its nearest
     * registered parent ({@code /oauth2/register} covers {@code /oauth2/register/{client_id}}); empty for RFC 9457.
     */
    Optional<FormAnswer> answer(String path, Problem p) {
        if (byPath.isEmpty() || path == null) return Optional.empty();
        String at = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        while (!at.isEmpty()) {
            var format = byPath.get(at);
            if (format != null) return Optional.of(format.apply(p).plus(p.headers()));
            at = at.substring(0, at.lastIndexOf('/'));
        }
        return Optional.empty();
    }
}
