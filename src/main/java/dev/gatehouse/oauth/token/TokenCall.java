package dev.gatehouse.oauth.token;

import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.clients.ClientAuthParser;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.platform.http.RequestInfo;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A token request after client authentication; {@code dpopJkt} is the thumbprint of the key of a valid DPoP proof
 * sent with it (RFC 9449 §5), which the issued access token is bound to.
 */
public record TokenCall(
        OAuthClient client, Map<String, List<String>> params, RequestInfo info, Optional<String> dpopJkt) {
    public TokenCall(OAuthClient client, Map<String, List<String>> params, RequestInfo info) {
        this(client, params, info, Optional.empty());
    }

    /**
     * The access token request, bound to the proof's key when there was one, signed with the client's
     * {@code access_token_signed_response_alg} when it registered one, and dated no earlier than the client's revoked
     * tokens ({@code ClientRevocation}, ADR 0031), so that it is accepted: every token of the client, of a session or
     * not, is held to that cut.
     */
    public dev.gatehouse.tokens.AccessTokenService.Request bind(dev.gatehouse.tokens.AccessTokenService.Request r) {
        return new dev.gatehouse.tokens.AccessTokenService.Request(
                r.subject(),
                r.sessionId(),
                r.clientId(),
                r.audience(),
                r.scopes(),
                dpopJkt,
                client.accessTokenAlg(),
                client.tokensNotBefore());
    }

    /** RFC 9449 §5.1: {@code DPoP} for a bound access token, otherwise {@code Bearer}. */
    public String tokenType() {
        return dpopJkt.isPresent() ? "DPoP" : "Bearer";
    }

    public Optional<String> param(String name) {
        return Optional.ofNullable(ClientAuthParser.single(params, name));
    }

    public String required(String name) {
        return param(name).orElseThrow(() -> OAuthError.invalidRequest("missing parameter " + name));
    }

    /** The requested scope as a set (RFC 6749 §3.3), empty when absent. */
    public Set<String> scope() {
        return param("scope")
                .map(s -> new LinkedHashSet<>(List.of(s.trim().split(" +"))))
                .map(s -> (Set<String>) s)
                .orElse(Set.of());
    }

    /** RFC 8707 resource indicators, already checked by {@link TokenEndpoint} ({@code ResourcePolicy}). */
    public List<String> resources() {
        return params.getOrDefault("resource", List.of());
    }
}
