package dev.gatehouse.oauth.token;

import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.clients.ResourcePolicy;
import dev.gatehouse.tokens.AccessTokenClaims;
import dev.gatehouse.tokens.AccessTokenService;
import dev.gatehouse.tokens.TokenIntrospector;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * RFC 8693 token exchange for confidential clients: a Gatehouse access token (the subject token, active per
 * {@link TokenIntrospector}) becomes a new access token for the same subject with a narrower or equal scope and the
 * audience the client names. With an actor token it is delegation: the new token says who acts,
 * {@code act: {sub: <actor>}}, with any earlier actor nested inside (§4.1). Without one it is impersonation, which only
 * clients an administrator marked {@code token_exchange_impersonation: true} may do. The actor must be someone other
 * than the subject: passing the subject token (or another of the subject's) as the actor would name the user as acting
 * for themselves, an impersonation in effect. Only access tokens are issued, with no refresh token, and one expires no
 * later than the subject and actor tokens it came from. Invalid
 * or unacceptable tokens answer {@code invalid_request} (§2.2.2), an unacceptable audience {@code invalid_target}. A
 * DPoP-bound subject or actor token is exchanged only with a DPoP proof of its key (RFC 9449).
 */
public final class TokenExchangeGrantHandler implements GrantHandler {
    public static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    public static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    private static final int MAX_AUDIENCES = 10;

    private final TokenIntrospector introspector;
    private final AccessTokenService tokens;
    private final AuditLog audit;
    private final String defaultAudience;
    private final ResourcePolicy resources;

    public TokenExchangeGrantHandler(
            TokenIntrospector introspector,
            AccessTokenService tokens,
            AuditLog audit,
            String defaultAudience,
            ResourcePolicy resources) {
        this.resources = resources;
        this.introspector = introspector;
        this.tokens = tokens;
        this.audit = audit;
        this.defaultAudience = defaultAudience;
    }

    @Override
    public String grantType() {
        return GRANT;
    }

    @Override
    public Map<String, Object> handle(TokenCall call) {
        if (call.client().isPublic()) throw OAuthError.unauthorizedClient("public clients cannot exchange tokens");
        String requestedType = call.param("requested_token_type").orElse(ACCESS_TOKEN_TYPE);
        if (!requestedType.equals(ACCESS_TOKEN_TYPE))
            throw OAuthError.invalidRequest("only access tokens are issued by token exchange");
        String subjectToken = call.required("subject_token");
        if (!ACCESS_TOKEN_TYPE.equals(call.required("subject_token_type")))
            throw OAuthError.invalidRequest("subject_token_type must be " + ACCESS_TOKEN_TYPE);
        Optional<String> actorToken = call.param("actor_token");
        Optional<String> actorType = call.param("actor_token_type");
        if (actorToken.isPresent() != actorType.isPresent())
            throw OAuthError.invalidRequest("actor_token and actor_token_type go together");
        if (actorType.isPresent() && !ACCESS_TOKEN_TYPE.equals(actorType.get()))
            throw OAuthError.invalidRequest("actor_token_type must be " + ACCESS_TOKEN_TYPE);
        List<String> audience = audience(call);
        Set<String> requested = call.scope();

        AccessTokenClaims subject = introspector
                .active(subjectToken)
                .orElseThrow(() -> OAuthError.invalidRequest("the subject_token is not active"));
        Optional<AccessTokenClaims> actor = actorToken.map(t ->
                introspector.active(t).orElseThrow(() -> OAuthError.invalidRequest("the actor_token is not active")));
        requireProofOfBinding(subject, call, "subject_token");
        actor.ifPresent(a -> requireProofOfBinding(a, call, "actor_token"));
        if (actor.isPresent() && actor.get().subject().equals(subject.subject()))
            throw OAuthError.invalidRequest(
                    "the actor_token is for the subject itself; an actor acts for someone else");
        if (actor.isEmpty() && !call.client().mayImpersonate())
            throw OAuthError.invalidRequest("this client may not impersonate; present an actor_token");
        // The exchanged token may not grant more than the subject token did.
        if (!subject.scopes().containsAll(requested))
            throw OAuthError.invalidScope("the scope exceeds the subject token's scope");
        Set<String> scope = requested.isEmpty() ? subject.scopes() : requested;

        Optional<Map<String, Object>> earlierActor = actClaim(subjectToken);
        Optional<Map<String, Object>> act = actor.map(a -> {
                    var m = new LinkedHashMap<String, Object>();
                    m.put("sub", a.subject());
                    earlierActor.ifPresent(prior -> m.put("act", prior));
                    return (Map<String, Object>) m;
                })
                .or(() -> earlierActor);
        Instant notAfter = actor.map(AccessTokenClaims::expiresAt)
                .filter(e -> e.isBefore(subject.expiresAt()))
                .orElse(subject.expiresAt());
        var issued = tokens.issue(
                call.bind(new AccessTokenService.Request(
                        subject.subject(), subject.sessionId(), call.client().clientId(), audience, scope)),
                act.map(a -> Map.<String, Object>of("act", a)).orElse(Map.of()),
                notAfter);

        var details = new LinkedHashMap<String, Object>();
        details.put("client_id", call.client().clientId());
        details.put("subject", subject.subject());
        details.put("mode", actor.isPresent() ? "delegation" : "impersonation");
        actor.ifPresent(a -> details.put("actor", a.subject()));
        details.put("aud", String.join(" ", audience));
        audit.record(
                AuditEvent.success("oauth.token_exchanged", userId(subject.subject()))
                        .details(details),
                call.info());

        var body = new LinkedHashMap<String, Object>();
        body.put("access_token", issued.token());
        body.put("issued_token_type", ACCESS_TOKEN_TYPE);
        body.put("token_type", call.tokenType());
        body.put("expires_in", issued.expiresIn());
        if (!scope.isEmpty()) body.put("scope", String.join(" ", scope));
        return body;
    }

    /**
     * RFC 9449: a token bound to a key is good only with a proof made with that key, so an exchange needs that proof
     * too (and its new token is bound to the same key). Otherwise a sender-constrained token could be exchanged for a
     * bearer token by whoever holds it.
     */
    private static void requireProofOfBinding(AccessTokenClaims token, TokenCall call, String name) {
        if (token.dpopJkt().isPresent() && !token.dpopJkt().equals(call.dpopJkt()))
            throw OAuthError.invalidRequest(
                    "the " + name + " is bound to a DPoP key; send a DPoP proof made with that key");
    }

    /** RFC 8693 §2.1: {@code resource} (absolute URIs, RFC 8707) and {@code audience} (logical names) both set aud. */
    private List<String> audience(TokenCall call) {
        var all = new ArrayList<String>(call.resources());
        for (String a : call.params().getOrDefault("audience", List.of())) {
            if (a == null || a.isBlank() || a.length() > 200 || a.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
                throw OAuthError.invalidTarget("audience must be a name of at most 200 characters without spaces");
            }
            if (!resources.allows(call.client(), a))
                throw OAuthError.invalidTarget("the client is not registered for one of the audiences");
            all.add(a);
        }
        if (all.size() > MAX_AUDIENCES) throw OAuthError.invalidTarget("at most " + MAX_AUDIENCES + " audiences");
        return all.isEmpty() ? List.of(defaultAudience) : List.copyOf(new java.util.LinkedHashSet<>(all));
    }

    /** The {@code act} claim of a token already verified. */
    private static Optional<Map<String, Object>> actClaim(String verifiedToken) {
        try {
            return Optional.ofNullable(
                    SignedJWT.parse(verifiedToken).getJWTClaimsSet().getJSONObjectClaim("act"));
        } catch (ParseException e) {
            return Optional.empty();
        }
    }

    private static UUID userId(String subject) {
        try {
            return UUID.fromString(subject);
        } catch (IllegalArgumentException e) {
            return null; // a client's own token (client_credentials): its subject is the client id
        }
    }
}
