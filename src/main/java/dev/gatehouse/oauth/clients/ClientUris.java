package dev.gatehouse.oauth.clients;

import static dev.gatehouse.oauth.clients.ClientMetadataRules.metadataError;

import com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata;
import dev.gatehouse.oauth.OAuthError;
import java.net.URI;

/** The URIs a client registers: redirect URIs (OAuth 2.1, RFC 8252) and the OpenID Connect logout URIs. */
final class ClientUris {
    private ClientUris() {}

    /**
     * RP-Initiated Logout §3.1, Front-Channel Logout §2 and Back-Channel Logout §2.2: logout URIs are absolute, have no
     * fragment, and use https or loopback http (the back-channel one is called by the server, so never anything that
     * could reach an internal service by name). A front-channel URI shares scheme, host and port with a redirect URI.
     */
    static void checkLogoutMetadata(OIDCClientMetadata m) {
        if (m.getPostLogoutRedirectionURIs() != null) {
            for (URI uri : m.getPostLogoutRedirectionURIs()) {
                try {
                    checkRedirect(uri);
                } catch (OAuthError e) {
                    throw metadataError(
                            "post_logout_redirect_uris",
                            "must be absolute, without fragment, and https,"
                                    + " loopback http or a private-use scheme: " + uri);
                }
            }
        }
        URI front = m.getFrontChannelLogoutURI();
        if (front != null) {
            checkWebUri("frontchannel_logout_uri", front);
            boolean sameOrigin = m.getRedirectionURIs() != null
                    && m.getRedirectionURIs().stream()
                            .anyMatch(r -> front.getScheme().equalsIgnoreCase(r.getScheme())
                                    && front.getHost().equalsIgnoreCase(String.valueOf(r.getHost()))
                                    && front.getPort() == r.getPort());
            if (!sameOrigin)
                throw metadataError(
                        "frontchannel_logout_uri", "must have the scheme, host and port of a registered redirect URI");
        }
        if (m.getBackChannelLogoutURI() != null) checkWebUri("backchannel_logout_uri", m.getBackChannelLogoutURI());
    }

    private static void checkWebUri(String field, URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !uri.isAbsolute() || uri.getHost() == null || uri.getFragment() != null)
            throw metadataError(field, "must be an absolute URI without fragment");
        boolean loopback = "http".equals(scheme)
                && ("localhost".equals(uri.getHost())
                        || "127.0.0.1".equals(uri.getHost())
                        || "[::1]".equals(uri.getHost()));
        if (!"https".equals(scheme) && !loopback) throw metadataError(field, "must use https (or loopback http)");
    }

    // OAuth 2.1 §2.3.1 / RFC 8252: https, loopback http, or a private-use scheme; never a fragment. An http(s) URI
    // names a host, and no URI carries user info: https://app.example@evil.example/cb goes to evil.example.
    static void checkRedirect(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !uri.isAbsolute() || uri.getFragment() != null) {
            throw new OAuthError(
                    400,
                    "invalid_redirect_uri",
                    "redirect URIs must be absolute and have no fragment: " + uri,
                    "redirect_uris");
        }
        boolean web = "http".equals(scheme) || "https".equals(scheme);
        if (uri.getRawUserInfo() != null
                || (web && (uri.getHost() == null || uri.getHost().isEmpty()))) {
            throw new OAuthError(
                    400,
                    "invalid_redirect_uri",
                    "redirect URIs must have no user info, and http(s) ones a host: " + uri,
                    "redirect_uris");
        }
        boolean loopback = "http".equals(scheme)
                && ("localhost".equals(uri.getHost())
                        || "127.0.0.1".equals(uri.getHost())
                        || "[::1]".equals(uri.getHost()));
        boolean privateUse = !scheme.equals("http") && !scheme.equals("https") && scheme.contains(".");
        if (!"https".equals(scheme) && !loopback && !privateUse) {
            throw new OAuthError(
                    400,
                    "invalid_redirect_uri",
                    "redirect URIs must use https, loopback http or a private-use scheme: " + uri,
                    "redirect_uris");
        }
    }
}
