package dev.gatehouse.oauth.clients;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A registered OAuth client: RFC 7591 / OIDC Dynamic Registration metadata plus its secret's hash, and the hash of the
 * secret a rotation replaced while it is still accepted.
 */
public record OAuthClient(
        String clientId,
        Optional<String> secretHash,
        OIDCClientMetadata metadata,
        boolean firstParty,
        Instant createdAt,
        Instant updatedAt,
        Optional<PreviousSecret> previousSecret,
        Optional<Instant> tokensNotBefore) {

    /** The secret a rotation replaced, accepted until {@code expiresAt}. */
    public record PreviousSecret(String hash, Instant expiresAt) {}

    /** A client without a previous secret or a revocation of its tokens. */
    public OAuthClient(
            String clientId,
            Optional<String> secretHash,
            OIDCClientMetadata metadata,
            boolean firstParty,
            Instant createdAt,
            Instant updatedAt) {
        this(clientId, secretHash, metadata, firstParty, createdAt, updatedAt, Optional.empty(), Optional.empty());
    }

    /**
     * Gatehouse's client metadata allowing RFC 8693 impersonation (a token exchange without an actor token). Only
     * administrators can set it: RFC 7592 self-management keeps the stored value.
     */
    public static final String IMPERSONATION = "token_exchange_impersonation";

    /**
     * Gatehouse's client metadata naming the algorithm its access tokens are signed with (RS256, PS256, ES256, EdDSA),
     * for resource servers that only verify one; without it, the server's default (ES256). RFC 9068 leaves the
     * choice to the authorization server; the name follows {@code id_token_signed_response_alg}.
     */
    public static final String ACCESS_TOKEN_ALG = "access_token_signed_response_alg";

    /**
     * Gatehouse's client metadata listing the resources (RFC 8707) and token-exchange audiences (RFC 8693) the client
     * may ask tokens for, besides the issuer and the default audience ({@link ResourcePolicy}). Set by administrators;
     * RFC 7592 self-management may only narrow it.
     */
    public static final String RESOURCES = "resources";

    /** The {@link #RESOURCES} registered for the client; empty when none. */
    public List<String> resources() {
        return metadata.getCustomField(RESOURCES) instanceof List<?> list
                ? list.stream().map(String::valueOf).toList()
                : List.of();
    }

    public Optional<com.nimbusds.jose.JWSAlgorithm> accessTokenAlg() {
        return metadata.getCustomField(ACCESS_TOKEN_ALG) instanceof String s
                ? Optional.of(com.nimbusds.jose.JWSAlgorithm.parse(s))
                : Optional.empty();
    }

    public boolean mayImpersonate() {
        return Boolean.TRUE.equals(metadata.getCustomField(IMPERSONATION));
    }

    public ClientAuthenticationMethod authMethod() {
        return Optional.ofNullable(metadata.getTokenEndpointAuthMethod())
                .orElse(ClientAuthenticationMethod.CLIENT_SECRET_BASIC);
    }

    public boolean isPublic() {
        return ClientAuthenticationMethod.NONE.equals(authMethod());
    }

    public boolean allows(GrantType grant) {
        return metadata.getGrantTypes() != null && metadata.getGrantTypes().contains(grant);
    }

    /** The scopes the client may ask for; empty when it registered none. */
    public Set<String> allowedScopes() {
        Scope s = metadata.getScope();
        return s == null ? Set.of() : new LinkedHashSet<>(s.toStringList());
    }

    /**
     * The redirect URI an authorization request names, when the client registered it: the same string (OAuth 2.1
     * §4.1.1), or, for a loopback IP redirect URI ({@code http://127.0.0.1} or {@code http://[::1]}), the same URI on
     * any port, because a native app listens on whatever port the system gives it at the time of the request (RFC 8252
     * §7.3, OAuth 2.1 §8.4.2). Names such as {@code localhost} are compared exactly, as RFC 8252 §8.3 advises against
     * them. The answer is the URI as requested, port included: the code goes there, and the token request must name it.
     */
    public Optional<URI> registeredRedirect(String requested) {
        Set<URI> registered = metadata.getRedirectionURIs() == null ? Set.of() : metadata.getRedirectionURIs();
        for (URI uri : registered) {
            if (uri.toString().equals(requested)) return Optional.of(uri);
        }
        Optional<String> portless = loopbackWithoutPort(requested);
        if (portless.isEmpty()) return Optional.empty();
        for (URI uri : registered) {
            if (loopbackWithoutPort(uri.toString()).equals(portless)) return Optional.of(URI.create(requested));
        }
        return Optional.empty();
    }

    /**
     * True when {@code origin} (RFC 6454, as a browser sends it) is the origin of a redirect URI an authorization
     * request may name ({@link #registeredRedirect}): a registered one's, or, for a loopback IP redirect URI, the same on
     * any port (RFC 8252 §7.3). OIDC Session Management §3 computes {@code session_state} from that origin, port
     * included, so its check must take the same origins as the authorization endpoint; and a browser-based client
     * calls the token, revocation, PAR and userinfo endpoints from the pages that receive its codes, so these are also
     * the origins CORS lets read its answers (ADR 0017).
     */
    public boolean redirectsToOrigin(String origin) {
        if (origin == null || metadata.getRedirectionURIs() == null) return false;
        for (URI uri : metadata.getRedirectionURIs()) {
            if (origin.equals(originOf(uri))) return true;
            // The redirect URI a request on this origin would name: the registered one's path and query after it.
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
            if (registeredRedirect(origin + path + query)
                    .map(OAuthClient::originOf)
                    .filter(origin::equals)
                    .isPresent()) return true;
        }
        return false;
    }

    /** A loopback IP redirect URI without its port; empty for any other URI. */
    static Optional<String> loopbackWithoutPort(String uri) {
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        String host = u.getHost();
        boolean loopback = "127.0.0.1".equals(host) || "[::1]".equals(host);
        if (!"http".equals(u.getScheme())
                || !loopback
                || u.getRawUserInfo() != null
                || u.getRawFragment() != null
                || u.getPort() > 65535) return Optional.empty();
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        return Optional.of("http://" + host + path + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
    }

    /** The origin (RFC 6454) of an http or https URI, as browsers send it; null for other schemes. */
    static String originOf(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        int defaultPort = switch (scheme) {
            case "https" -> 443;
            case "http" -> 80;
            default -> -2;
        };
        if (defaultPort == -2 || uri.getHost() == null) return null;
        int port = uri.getPort();
        return scheme + "://" + uri.getHost().toLowerCase(java.util.Locale.ROOT)
                + (port == -1 || port == defaultPort ? "" : ":" + port);
    }

    public String name() {
        return Optional.ofNullable(metadata.getName()).orElse(clientId);
    }
}
