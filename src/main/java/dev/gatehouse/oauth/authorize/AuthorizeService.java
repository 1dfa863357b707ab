package dev.gatehouse.oauth.authorize;

import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.sessions.SessionService;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The authorization endpoint's rules (RFC 6749 §4.1, OAuth 2.1, RFC 7636) and the codes it issues: opaque, stored
 * hashed, single use, 60 seconds, bound to client, redirect URI, PKCE challenge, user, scope and nonce.
 */
public final class AuthorizeService {
    static final Duration CODE_TTL = Duration.ofSeconds(60);
    /** Scopes a client that registered none may ask for: the ones whose claims Gatehouse serves. */
    public static final Set<String> STANDARD_SCOPES = Set.of("openid", "profile", "email", "offline_access");

    /** RFC 8707 §2. */
    private static final ErrorObject INVALID_TARGET = new ErrorObject("invalid_target", null, 400);

    private static final Pattern PKCE_VALUE = Pattern.compile("[A-Za-z0-9\\-._~]{43,128}");

    /** A checked authorization request, ready for a signed-in user. */
    public record Request(
            OAuthClient client,
            URI redirectUri,
            Optional<String> state,
            ResponseMode responseMode,
            Set<String> scope,
            String codeChallenge,
            Optional<String> nonce,
            Set<String> prompt,
            List<String> resources) {}

    public sealed interface Checked {
        /**
         * Client or redirect URI not trustworthy: the browser must not be sent anywhere (RFC 6749 §4.1.2.1). The page
         * shows {@code key} from the message bundle ({@code authorize.error.*}) with {@code args}.
         */
        record ShowError(String key, List<String> args) implements Checked {
            public ShowError(String key, String... args) {
                this(key, List.of(args));
            }
        }

        record RedirectError(URI location) implements Checked {}

        record Valid(Request request) implements Checked {}
    }

    public record Redeemed(AuthorizationCode grant, UUID sessionId, String refreshToken) {}

    private sealed interface Redemption {
        record Ok(Redeemed redeemed) implements Redemption {}

        record Refused(String description) implements Redemption {}
    }

    private final Database db;
    private final JdbiCodeStore store;
    private final ClientService clients;
    private final SessionService sessions;
    private final AuditLog audit;
    private final Secrets secrets;
    private final Clock clock;
    private final Issuer issuer;
    private final ScopeService scopes;

    public AuthorizeService(
            Database db,
            JdbiCodeStore store,
            ClientService clients,
            SessionService sessions,
            AuditLog audit,
            Secrets secrets,
            Clock clock,
            String issuer,
            ScopeService scopes) {
        this.db = db;
        this.store = store;
        this.clients = clients;
        this.sessions = sessions;
        this.audit = audit;
        this.secrets = secrets;
        this.clock = clock;
        this.issuer = new Issuer(issuer);
        this.scopes = scopes;
    }

    private static String single(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        if (v == null || v.isEmpty()) return null;
        if (v.size() > 1) throw new IllegalArgumentException(name); // RFC 6749 §3.1: no repeated parameters
        return v.get(0);
    }

    public Checked check(Map<String, List<String>> params) {
        String clientId;
        String redirect;
        try {
            clientId = single(params, "client_id");
            redirect = single(params, "redirect_uri");
        } catch (IllegalArgumentException e) {
            return new Checked.ShowError("authorize.error.repeated", e.getMessage());
        }
        if (clientId == null) return new Checked.ShowError("authorize.error.no_client");
        Optional<OAuthClient> found = clients.find(clientId);
        if (found.isEmpty()) return new Checked.ShowError("authorize.error.unknown_client");
        OAuthClient client = found.get();
        Set<URI> registered = client.metadata().getRedirectionURIs() == null
                ? Set.of()
                : client.metadata().getRedirectionURIs();
        URI redirectUri;
        if (redirect == null) {
            // RFC 6749 §3.1.2.3: may be left out only when exactly one is registered.
            if (registered.size() != 1) return new Checked.ShowError("authorize.error.no_redirect_uri");
            redirectUri = registered.iterator().next();
        } else {
            // OAuth 2.1 §4.1.1: exact string comparison with a registered URI.
            redirectUri = registered.stream()
                    .filter(u -> u.toString().equals(redirect))
                    .findFirst()
                    .orElse(null);
            if (redirectUri == null) return new Checked.ShowError("authorize.error.redirect_uri_mismatch");
        }
        try {
            return new Checked.Valid(checkTrusted(client, redirectUri, params));
        } catch (Refusal r) {
            return new Checked.RedirectError(errorLocation(redirectUri, r.error, r.state, r.mode));
        } catch (IllegalArgumentException e) {
            State state = stateOf(params);
            return new Checked.RedirectError(errorLocation(
                    redirectUri,
                    OAuth2Error.INVALID_REQUEST.setDescription("repeated parameter " + e.getMessage()),
                    state,
                    ResponseMode.QUERY));
        }
    }

    private static State stateOf(Map<String, List<String>> params) {
        List<String> s = params.get("state");
        return s == null || s.size() != 1 ? null : new State(s.get(0));
    }

    private static final class Refusal extends RuntimeException {
        final ErrorObject error;
        final State state;
        final ResponseMode mode;

        Refusal(ErrorObject error, String description, State state, ResponseMode mode) {
            super(description, null, false, false);
            this.error = error.setDescription(description);
            this.state = state;
            this.mode = mode;
        }
    }

    private Request checkTrusted(OAuthClient client, URI redirectUri, Map<String, List<String>> params) {
        Optional<String> state = Optional.ofNullable(single(params, "state"));
        State s = state.map(State::new).orElse(null);
        String mode = single(params, "response_mode");
        ResponseMode responseMode = ResponseMode.QUERY;
        if (mode != null) {
            responseMode = switch (mode) {
                case "query" -> ResponseMode.QUERY;
                case "fragment" -> ResponseMode.FRAGMENT;
                default ->
                    throw new Refusal(OAuth2Error.INVALID_REQUEST, "unsupported response_mode", s, ResponseMode.QUERY);
            };
        }
        ResponseMode rm = responseMode;
        String responseType = single(params, "response_type");
        if (responseType == null) throw new Refusal(OAuth2Error.INVALID_REQUEST, "missing response_type", s, rm);
        if (!responseType.equals("code"))
            throw new Refusal(OAuth2Error.UNSUPPORTED_RESPONSE_TYPE, "only response_type code is supported", s, rm);
        if (!client.allows(GrantType.AUTHORIZATION_CODE)) {
            throw new Refusal(
                    OAuth2Error.UNAUTHORIZED_CLIENT, "the client is not registered for authorization_code", s, rm);
        }
        // OAuth 2.1 §4.1.1 and RFC 7636: PKCE for every client, and only S256 (plain protects nothing).
        String challenge = single(params, "code_challenge");
        String method = single(params, "code_challenge_method");
        if (challenge == null) throw new Refusal(OAuth2Error.INVALID_REQUEST, "code_challenge is required", s, rm);
        if (!"S256".equals(method)) {
            throw new Refusal(OAuth2Error.INVALID_REQUEST, "code_challenge_method must be S256", s, rm);
        }
        if (challenge.length() != 43 || !PKCE_VALUE.matcher(challenge).matches())
            throw new Refusal(OAuth2Error.INVALID_REQUEST, "code_challenge is malformed", s, rm);
        String scopeParam = single(params, "scope");
        // A client that registered no scope may request any scope in the table (/v1/admin/scopes); one that asks for
        // none gets the default scopes (RFC 6749 §3.3).
        Set<String> allowed = client.allowedScopes().isEmpty() ? scopes.names() : client.allowedScopes();
        Set<String> scope = scopeParam == null || scopeParam.isBlank()
                ? scopes.defaultsFor(client.allowedScopes(), allowed, true)
                : new LinkedHashSet<>(List.of(scopeParam.trim().split(" +")));
        if (!allowed.containsAll(scope))
            throw new Refusal(OAuth2Error.INVALID_SCOPE, "the client may not request this scope", s, rm);
        String prompt = single(params, "prompt");
        Set<String> prompts = prompt == null ? Set.of() : Set.of(prompt.trim().split(" +"));
        if (prompts.contains("none") && prompts.size() > 1)
            throw new Refusal(OAuth2Error.INVALID_REQUEST, "prompt=none cannot be combined", s, rm);
        String nonce = single(params, "nonce");
        if (nonce != null && nonce.length() > 512)
            throw new Refusal(OAuth2Error.INVALID_REQUEST, "nonce must be at most 512 characters", s, rm);
        List<String> resources = params.getOrDefault("resource", List.of());
        if (String.join(" ", resources).length() > 2000)
            throw new Refusal(INVALID_TARGET, "too many or too long resource indicators", s, rm);
        for (String r : resources) {
            URI u;
            try {
                u = URI.create(r);
            } catch (IllegalArgumentException e) {
                throw new Refusal(INVALID_TARGET, "resource must be an absolute URI", s, rm);
            }
            if (!u.isAbsolute() || u.getFragment() != null)
                throw new Refusal(INVALID_TARGET, "resource must be an absolute URI", s, rm);
        }
        return new Request(
                client,
                redirectUri,
                state,
                rm,
                scope,
                challenge,
                Optional.ofNullable(nonce),
                prompts,
                List.copyOf(resources));
    }

    /**
     * The client redirect URI a pending request (carried by a hosted page as {@code /oauth2/authorize?…}) will end
     * at, success or error, when client and redirect URI check out; the pages allow it as a {@code form-action}.
     */
    public Optional<URI> redirectTarget(String returnTo) {
        if (returnTo == null || !returnTo.startsWith("/oauth2/authorize?") || returnTo.length() > 8000)
            return Optional.empty();
        Map<String, List<String>> params;
        try {
            params = com.nimbusds.oauth2.sdk.util.URLUtils.parseParameters(
                    returnTo.substring("/oauth2/authorize?".length()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        return switch (check(params)) {
            case Checked.Valid v -> Optional.of(v.request().redirectUri());
            case Checked.RedirectError e -> Optional.of(e.location());
            case Checked.ShowError e -> Optional.empty();
        };
    }

    public URI errorLocation(URI redirectUri, ErrorObject error, State state, ResponseMode mode) {
        return new AuthorizationErrorResponse(redirectUri, error, state, issuer, mode).toURI();
    }

    /** RFC 6749 §4.1.2.1 error returned to a trusted redirect URI, e.g. login_required for prompt=none. */
    public URI refuse(Request r, ErrorObject error) {
        return errorLocation(r.redirectUri(), error, r.state().map(State::new).orElse(null), r.responseMode());
    }

    /** Issues a code for a signed-in user and answers with the redirect carrying it (and iss, RFC 9207). */
    public URI issue(Request r, UUID userId, Instant authTime, RequestInfo info) {
        Instant now = clock.instant();
        String code = secrets.token("ac_");
        var grant = new AuthorizationCode(
                r.client().clientId(),
                userId,
                r.redirectUri().toString(),
                r.codeChallenge(),
                r.scope(),
                r.resources(),
                r.nonce(),
                authTime,
                now.plus(CODE_TTL),
                Optional.empty(),
                Optional.empty());
        db.useTransaction(h -> {
            store.insert(h, Secrets.sha256(code), grant, now);
            audit.record(
                    h,
                    AuditEvent.success("oauth.code_issued", userId)
                            .details(Map.of("client_id", r.client().clientId())),
                    info);
        });
        return new AuthorizationSuccessResponse(
                        r.redirectUri(),
                        new com.nimbusds.oauth2.sdk.AuthorizationCode(code),
                        null,
                        r.state().map(State::new).orElse(null),
                        issuer,
                        r.responseMode())
                .toURI();
    }

    /**
     * Redeems a code at the token endpoint (RFC 6749 §4.1.3) and opens the session its tokens belong to. A code
     * presented a second time ends that session, so the tokens issued from it stop working (RFC 6749 §4.1.2).
     */
    public Redeemed redeem(
            String code, String clientId, Optional<String> redirectUri, Optional<String> verifier, RequestInfo info) {
        if (code == null || !code.startsWith("ac_") || code.length() > 100)
            throw OAuthError.invalidGrant("invalid code");
        String hash = Secrets.sha256(code);
        Instant now = clock.instant();
        Redemption outcome = db.inTransaction(h -> {
            boolean claimed = store.claim(h, hash, now);
            Optional<AuthorizationCode> found = store.byHash(h, hash);
            if (found.isEmpty()) return new Redemption.Refused("invalid code");
            AuthorizationCode g = found.get();
            if (!claimed) {
                g.sessionId().ifPresent(sid -> {
                    if (sessions.end(h, sid, "authorization_code_reuse")) {
                        audit.record(
                                h,
                                AuditEvent.failure("oauth.code_reuse_detected", g.userId(), "code presented again")
                                        .session(sid),
                                info);
                    }
                });
                return new Redemption.Refused("invalid code");
            }
            // Every check below runs after the claim: a failed attempt spends the code too.
            if (!g.expiresAt().isAfter(now)) return new Redemption.Refused("the code has expired");
            if (!g.clientId().equals(clientId)) return new Redemption.Refused("the code was issued to another client");
            // RFC 6749 §4.1.3: redirect_uri must be identical to the one in the authorization request.
            if (redirectUri.isEmpty() || !redirectUri.get().equals(g.redirectUri()))
                return new Redemption.Refused("redirect_uri does not match the authorization request");
            if (verifier.isEmpty() || !pkceMatches(verifier.get(), g.codeChallenge()))
                return new Redemption.Refused("code_verifier does not match the code_challenge");
            var started = sessions.start(h, g.userId(), info.deviceId().orElse("oauth"), clientId, "pwd", info);
            store.linkSession(h, hash, started.session().id());
            audit.record(
                    h,
                    AuditEvent.success("oauth.code_redeemed", g.userId())
                            .session(started.session().id())
                            .details(Map.of("client_id", clientId)),
                    info);
            return new Redemption.Ok(new Redeemed(g, started.session().id(), started.refreshToken()));
        });
        return switch (outcome) {
            case Redemption.Ok ok -> ok.redeemed();
            case Redemption.Refused r -> throw OAuthError.invalidGrant(r.description());
        };
    }

    /** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, compared in constant time. */
    static boolean pkceMatches(String verifier, String challenge) {
        if (!PKCE_VALUE.matcher(verifier).matches()) return false;
        String computed = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(Secrets.digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        return Secrets.constantTimeEquals(computed, challenge);
    }

    /** The scope and resources originally granted to the session a code opened, for the refresh-token grant. */
    public Optional<AuthorizationCode> grantOfSession(UUID sessionId) {
        return db.withHandle(h -> store.bySession(h, sessionId));
    }
}
