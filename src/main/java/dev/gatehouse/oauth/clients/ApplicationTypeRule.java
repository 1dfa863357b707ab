package dev.gatehouse.oauth.clients;

import static dev.gatehouse.oauth.clients.ClientMetadataRules.metadataError;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.openid.connect.sdk.rp.ApplicationType;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata;
import java.net.URI;
import java.util.Locale;

/**
 * OIDC Registration §2, {@code application_type} ({@code web} unless named): the server "MUST verify that all the
 * registered redirect_uris conform", so that one client_id is not shared between a web server and an app on a device.
 * Every redirect URI has already passed the syntax all clients share (https, loopback http or a private-use scheme).
 * The post-logout redirect URIs follow the same rule: a web client's user returns to its web pages.
 */
final class ApplicationTypeRule {
    private ApplicationTypeRule() {}

    static void check(OIDCClientMetadata m) {
        // Native: private-use schemes and loopback http (§2), and claimed https URLs, which RFC 8252 §7.2 allows an
        // app too. The shared syntax admits exactly these, so nothing more is refused.
        if (ApplicationType.NATIVE.equals(m.getApplicationType())) return;
        // A web client using the implicit grant (here: response type code id_token) gets an ID token in the URL.
        boolean implicit = m.getGrantTypes().contains(GrantType.IMPLICIT);
        for (URI uri : orEmpty(m.getRedirectionURIs())) {
            requireWebScheme("redirect_uris", uri);
            if (implicit && (!"https".equals(uri.getScheme()) || loopback(uri.getHost())))
                throw metadataError(
                        "redirect_uris",
                        "of a web client using the implicit grant must use https and not localhost: " + uri);
        }
        // The user comes back to a web client's pages after signing out, too (RP-Initiated Logout §3.1).
        for (URI uri : orEmpty(m.getPostLogoutRedirectionURIs())) requireWebScheme("post_logout_redirect_uris", uri);
    }

    private static void requireWebScheme(String field, URI uri) {
        String scheme = uri.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme))
            throw metadataError(
                    field,
                    "of a web client must use https (or http on a loopback host); " + uri
                            + " has a private-use scheme, which is for application_type native");
    }

    private static <T> java.util.Set<T> orEmpty(java.util.Set<T> s) {
        return s == null ? java.util.Set.of() : s;
    }

    /** {@code localhost}, a name under it (RFC 6761 §6.3), or a loopback address literal. */
    private static boolean loopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        return h.equals("localhost")
                || h.endsWith(".localhost")
                || h.matches("127(\\.\\d{1,3}){3}")
                || h.equals("[::1]")
                || h.equals("[0:0:0:0:0:0:0:1]");
    }
}
