package dev.gatehouse.oauth.clients;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which resources a client may ask tokens for (RFC 8707 resource indicators, and RFC 8693 token-exchange audiences).
 * A token's {@code aud} is what tells a resource server the token is meant for it, so a client may name only the
 * issuer, the default audience, and what an administrator registered for it in its {@code resources} metadata; any
 * other is {@code invalid_target} (RFC 8707 §2). ADR 0025.
 */
public final class ResourcePolicy {
    /** The longest the resource indicators of one request may be, joined with spaces. */
    private static final int MAX_LENGTH = 2000;

    private final Set<String> always;

    public ResourcePolicy(String issuer, String defaultAudience) {
        this.always = Set.copyOf(List.of(issuer, defaultAudience));
    }

    /**
     * What is wrong with the resource indicators of a request ({@code resources}) for {@code client}, as an
     * {@code error_description}, or empty when nothing is: each an absolute URI without fragment (RFC 8707 §2),
     * together not too long, each one the client may ask for.
     */
    public Optional<String> problem(OAuthClient client, List<String> resources) {
        if (String.join(" ", resources).length() > MAX_LENGTH)
            return Optional.of("too many or too long resource indicators");
        for (String r : resources) {
            if (!absoluteWithoutFragment(r)) return Optional.of("resource must be an absolute URI without fragment");
            // The value itself is not echoed: RFC 6749 §5.2 limits error_description to printable ASCII.
            if (!allows(client, r)) return Optional.of("the client is not registered for one of the resources");
        }
        return Optional.empty();
    }

    /** Whether {@code client} may get a token whose {@code aud} names {@code audience}. */
    public boolean allows(OAuthClient client, String audience) {
        return always.contains(audience) || client.resources().contains(audience);
    }

    static boolean absoluteWithoutFragment(String value) {
        try {
            URI uri = new URI(value);
            return uri.isAbsolute() && uri.getFragment() == null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }
}
