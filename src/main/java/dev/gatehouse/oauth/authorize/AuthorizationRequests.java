package dev.gatehouse.oauth.authorize;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.authorize.AuthorizeService.Checked;
import dev.gatehouse.oauth.authorize.AuthorizeService.IdTokenHints;
import dev.gatehouse.oauth.authorize.AuthorizeService.Interaction;
import dev.gatehouse.oauth.authorize.AuthorizeService.Request;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.oauth.clients.ResourcePolicy;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.RequestInfo;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The authorization endpoint's requests, before anyone signs in: a direct request checked (client, redirect URI, then
 * every other parameter through {@link AuthorizationParameters}), a pushed one (RFC 9126) stored and found again by
 * its {@code request_uri}. What the endpoint answers for a checked request is {@link AuthorizeService}'s.
 */
public final class AuthorizationRequests {
    /** How long a pushed request waits for the browser (RFC 9126 §2.2: short-lived). */
    static final Duration PAR_TTL = Duration.ofSeconds(60);

    /** How long a started pushed request may take to finish (sign-in, consent). */
    static final Duration PAR_INTERACTION = Duration.ofMinutes(10);

    private static final Set<String> CLIENT_AUTH_PARAMS =
            Set.of("client_secret", "client_assertion", "client_assertion_type");

    private final Database db;
    private final JdbiParStore pushed;
    private final ClientService clients;
    private final AuditLog audit;
    private final Secrets secrets;
    private final Clock clock;
    private final Issuer issuer;
    private final AuthorizationParameters parameters;

    public AuthorizationRequests(
            Database db,
            JdbiParStore pushed,
            ClientService clients,
            AuditLog audit,
            Secrets secrets,
            Clock clock,
            String issuer,
            ScopeService scopes,
            IdTokenHints hints,
            ResourcePolicy resourcePolicy) {
        this.db = db;
        this.pushed = pushed;
        this.clients = clients;
        this.audit = audit;
        this.secrets = secrets;
        this.clock = clock;
        this.issuer = new Issuer(issuer);
        this.parameters = new AuthorizationParameters(scopes, hints, resourcePolicy);
    }

    /** The longest direct request, encoded as a return path, that the sign-in page's URL can still carry. */
    static final int MAX_RETURN_PATH = 6000;

    /**
     * RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted from the request." So is
     * a value of only whitespace, which no parameter here can use (a blank {@code state} could not be echoed).
     */
    static Map<String, List<String>> withoutEmptyValues(Map<String, List<String>> params) {
        var out = new java.util.LinkedHashMap<String, List<String>>();
        params.forEach((name, values) -> {
            List<String> kept =
                    values.stream().filter(v -> v != null && !v.isBlank()).toList();
            if (!kept.isEmpty()) out.put(name, kept);
        });
        return out;
    }

    public Checked check(Map<String, List<String>> raw) {
        var params = withoutEmptyValues(raw);
        // Our own request_uris (RFC 9126); any other is a request object by reference (OIDC Core §6.2), refused once
        // the
        // client and redirect URI are known, so the client hears why.
        if (params.getOrDefault("request_uri", List.of()).stream()
                .anyMatch(u -> u.startsWith(AuthorizeService.REQUEST_URI_PREFIX))) return checkPushed(params);
        return checkDirect(params, false, Optional.empty(), Interaction.NONE);
    }

    /** A client's own authorization request by reference (RFC 9126 §4): only client_id and request_uri count. */
    private Checked checkPushed(Map<String, List<String>> params) {
        String clientId;
        String requestUri;
        try {
            clientId = AuthorizationParameters.single(params, "client_id");
            requestUri = AuthorizationParameters.single(params, "request_uri");
        } catch (AuthorizationParameters.RepeatedParameter e) {
            return new Checked.ShowError("authorize.error.repeated", e.getMessage());
        }
        if (clientId == null) return new Checked.ShowError("authorize.error.no_client");
        String hash = requestUriHash(requestUri);
        Instant now = clock.instant();
        var row = hash == null ? Optional.<JdbiParStore.Row>empty() : db.withHandle(h -> pushed.byHash(h, hash));
        if (row.isEmpty() || !row.get().clientId().equals(clientId))
            return new Checked.ShowError("authorize.error.request_uri_invalid");
        var p = row.get();
        Map<String, List<String>> stored;
        try {
            stored = URLUtils.parseParameters(p.params());
        } catch (RuntimeException e) {
            return new Checked.ShowError("authorize.error.request_uri_invalid");
        }
        boolean expired = p.startedAt()
                .map(t -> !t.plus(PAR_INTERACTION).isAfter(now))
                .orElse(!p.expiresAt().isAfter(now));
        if (expired || p.consumedAt().isPresent()) {
            // The stored redirect URI and state were checked when pushed: the client can be told (RFC 9126 §4).
            if (checkDirect(stored, true, Optional.of(hash), Interaction.NONE) instanceof Checked.Valid v) {
                return new Checked.RedirectError(AuthorizeService.errorResponse(
                        issuer,
                        v.request(),
                        new ErrorObject("invalid_request_uri", "the request_uri has expired or was used", 400)));
            }
            return new Checked.ShowError("authorize.error.request_uri_spent");
        }
        if (p.startedAt().isEmpty()) db.useTransaction(h -> pushed.start(h, hash, now));
        var interaction = new Interaction(
                p.reauthAfter(),
                AuthorizationParameters.marked(params, AuthorizeService.CONSENT_SHOWN),
                AuthorizationParameters.marked(params, AuthorizeService.ACCOUNT_SELECTED));
        return checkDirect(stored, true, Optional.of(hash), interaction);
    }

    /** SHA-256 of the random part of one of our request_uris, or null when the value is not one. */
    private static String requestUriHash(String requestUri) {
        if (requestUri == null || !requestUri.startsWith(AuthorizeService.REQUEST_URI_PREFIX)) return null;
        String random = requestUri.substring(AuthorizeService.REQUEST_URI_PREFIX.length());
        if (random.isEmpty() || random.length() > 100) return null;
        return Secrets.sha256(random);
    }

    /** Sent to sign in again: for a pushed request, only a sign-in after now will do (see {@link Interaction}). */
    public void requireReauthentication(Request r, Instant at) {
        r.pushedHash().ifPresent(hash -> db.useTransaction(h -> pushed.requireReauthentication(h, hash, at)));
    }

    /**
     * Validates a pushed authorization request (RFC 9126 §2.1) for an authenticated client and stores it; answers the
     * request_uri that stands for it. Errors are token-endpoint style (RFC 9126 §2.3).
     */
    public Map<String, Object> push(OAuthClient client, Map<String, List<String>> form, RequestInfo info) {
        var params = new java.util.LinkedHashMap<String, List<String>>(withoutEmptyValues(form));
        CLIENT_AUTH_PARAMS.forEach(params::remove);
        if (params.containsKey("request_uri"))
            throw OAuthError.invalidRequest("request_uri must not be sent to the pushed authorization endpoint");
        if (params.containsKey("request"))
            throw new OAuthError(400, "request_not_supported", "request objects are not supported");
        if (params.keySet().stream().anyMatch(k -> k.startsWith("gh_")))
            throw OAuthError.invalidRequest("unknown gh_ parameter");
        params.putIfAbsent("client_id", List.of(client.clientId()));
        if (!params.get("client_id").equals(List.of(client.clientId())))
            throw OAuthError.invalidRequest("client_id does not match the authenticated client");
        switch (checkDirect(params, true, Optional.empty(), Interaction.NONE)) {
            case Checked.ShowError e ->
                throw OAuthError.invalidRequest(
                        Messages.of(Locale.ENGLISH).get(e.key(), e.args().toArray()));
            case Checked.RedirectError e -> {
                var error = e.response().toErrorResponse().getErrorObject();
                throw new OAuthError(400, error.getCode(), error.getDescription());
            }
            case Checked.Valid v -> {}
        }
        String serialized = URLUtils.serializeParameters(params);
        if (serialized.length() > 16000) throw OAuthError.invalidRequest("the request is too large");
        String random = secrets.token("");
        Instant now = clock.instant();
        db.useTransaction(h -> {
            pushed.insert(h, Secrets.sha256(random), client.clientId(), serialized, now, now.plus(PAR_TTL));
            audit.record(
                    h,
                    AuditEvent.success("oauth.request_pushed", null).details(Map.of("client_id", client.clientId())),
                    info);
        });
        var body = new java.util.LinkedHashMap<String, Object>();
        body.put("request_uri", AuthorizeService.REQUEST_URI_PREFIX + random);
        body.put("expires_in", PAR_TTL.toSeconds());
        return body;
    }

    /**
     * The request's own checks. {@code backChannel}: the parameters come from the client's back channel (being pushed now,
     * or stored under {@code pushedHash}), so the browser could not have edited them.
     */
    private Checked checkDirect(
            Map<String, List<String>> params, boolean backChannel, Optional<String> pushedHash, Interaction seen) {
        String clientId;
        String redirect;
        try {
            clientId = AuthorizationParameters.single(params, "client_id");
            redirect = AuthorizationParameters.single(params, "redirect_uri");
        } catch (AuthorizationParameters.RepeatedParameter e) {
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
            // RFC 6749 §3.1.2.3: may be left out only when exactly one is registered; OIDC Core §3.1.2.1 requires it.
            if (registered.size() != 1) return new Checked.ShowError("authorize.error.no_redirect_uri");
            boolean openid = params.getOrDefault("scope", List.of()).stream()
                    .anyMatch(v -> List.of(v.trim().split(" +")).contains("openid"));
            if (openid) return new Checked.ShowError("authorize.error.redirect_uri_required");
            redirectUri = registered.iterator().next();
        } else {
            // OAuth 2.1 §4.1.1: exact string comparison, but any port for a loopback IP redirect URI (§8.4.2).
            redirectUri = client.registeredRedirect(redirect).orElse(null);
            if (redirectUri == null) return new Checked.ShowError("authorize.error.redirect_uri_mismatch");
        }
        try {
            // A direct request travels through the sign-in and consent pages in their URLs (return_to, encoded once
            // more): one too large for a URL the server takes (8 KiB of request head) would end in a 414 there, so the
            // client hears it now and can push the request instead (RFC 9126), which keeps it on the server.
            if (!backChannel
                    && java.net.URLEncoder.encode(URLUtils.serializeParameters(params), StandardCharsets.UTF_8)
                                    .length()
                            > MAX_RETURN_PATH)
                throw new AuthorizationParameters.Refusal(
                        OAuth2Error.INVALID_REQUEST,
                        "the request is too large to carry through sign-in; push it first (RFC 9126)",
                        AuthorizationParameters.stateOf(params),
                        AuthorizationParameters.refusalMode(params));
            if (!backChannel && client.metadata().requiresPushedAuthorizationRequests()) {
                throw new AuthorizationParameters.Refusal(
                        OAuth2Error.INVALID_REQUEST,
                        "this client must use pushed authorization requests",
                        AuthorizationParameters.stateOf(params),
                        AuthorizationParameters.refusalMode(params));
            }
            return new Checked.Valid(
                    parameters.read(client, redirectUri, redirect != null, params, backChannel, pushedHash, seen));
        } catch (AuthorizationParameters.Refusal r) {
            return new Checked.RedirectError(
                    AuthorizeService.errorResponse(issuer, redirectUri, r.error, r.state, r.mode));
        } catch (AuthorizationParameters.RepeatedParameter e) {
            State state = AuthorizationParameters.stateOf(params);
            return new Checked.RedirectError(AuthorizeService.errorResponse(
                    issuer,
                    redirectUri,
                    OAuth2Error.INVALID_REQUEST.setDescription("repeated parameter " + e.getMessage()),
                    state,
                    AuthorizationParameters.refusalMode(params)));
        }
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
            case Checked.RedirectError e -> Optional.of(e.response().getRedirectionURI());
            case Checked.ShowError e -> Optional.empty();
        };
    }
}
