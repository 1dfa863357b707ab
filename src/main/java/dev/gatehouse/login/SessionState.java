package dev.gatehouse.login;

import dev.gatehouse.platform.crypto.Secrets;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * OIDC Session Management 1.0 §3: {@code session_state = hash(client_id + " " + origin + " " + browser state + " " +
 * salt) + "." + salt}, with SHA-256 in base64url. The browser state (opbs) is derived from the SSO session's id, so
 * it changes whenever the browser signs out or signs in as someone else; with no session it is the empty string.
 */
public final class SessionState {
    private SessionState() {}

    /** The OP browser state for a browser with this SSO session, or for none. */
    public static String browserState(Optional<SsoSession> session) {
        return session.map(s -> base64Url(Secrets.digest(("opbs " + s.id()).getBytes(StandardCharsets.UTF_8))))
                .orElse("");
    }

    public static String compute(String clientId, String origin, String browserState, String salt) {
        String input = clientId + " " + origin + " " + browserState + " " + salt;
        return base64Url(Secrets.digest(input.getBytes(StandardCharsets.UTF_8))) + "." + salt;
    }

    /** True when {@code sessionState} is what this browser state gives for the client and origin. */
    public static boolean matches(String sessionState, String clientId, String origin, String browserState) {
        int dot = sessionState.lastIndexOf('.');
        if (dot < 1 || dot == sessionState.length() - 1) return false;
        String salt = sessionState.substring(dot + 1);
        return Secrets.constantTimeEquals(compute(clientId, origin, browserState, salt), sessionState);
    }

    /** RFC 6454 origin of an http(s) URI ({@code scheme://host[:port]}), or empty for other schemes. */
    public static Optional<String> origin(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || uri.getHost() == null) return Optional.empty();
        scheme = scheme.toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) return Optional.empty();
        int port = uri.getPort();
        boolean defaultPort =
                port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return Optional.of(
                scheme + "://" + uri.getHost().toLowerCase(java.util.Locale.ROOT) + (defaultPort ? "" : ":" + port));
    }

    private static String base64Url(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
