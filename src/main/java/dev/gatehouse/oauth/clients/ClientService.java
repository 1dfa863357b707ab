package dev.gatehouse.oauth.clients;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.ClusterEvents;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.db.RecentReads;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * OAuth clients: registration with RFC 7591 metadata (validated by {@link ClientMetadataRules}), secrets
 * generated with 256 bits of entropy and stored as SHA-256 (so checking one costs a hash, not a password hash), and
 * client authentication at the token, introspection and revocation endpoints.
 */
public final class ClientService {
    /** A client as just created or re-keyed: the only moment its secret exists in plain text. */
    public record Issued(OAuthClient client, Optional<String> secret, Optional<String> registrationToken) {}

    private final Database db;
    private final ClientStore store;
    private final Secrets secrets;
    private final AuditLog audit;
    private final Clock clock;
    /**
     * How long a client read from the table is used without reading it again. A change on this node shows at once,
     * and on the other nodes of a cluster when its event arrives ({@link #shareCacheInvalidations}); one they miss
     * still shows within this (ADR 0013).
     */
    static final Duration RECENT = Duration.ofSeconds(30);

    private final RecentReads<String, OAuthClient> recent;
    private volatile Deleted deleted = (h, clientId) -> {};
    private volatile SessionsEnded sessionsEnded = (h, clientId) -> 0;
    private final ClientAssertions assertions;

    /**
     * The scopes table as registration sees it (the scopes feature, wired in App): a client may only register scopes
     * that exist, and those stay until no client registers them.
     */
    public interface KnownScopes {
        /** Of {@code names}, those the table has, locked until {@code h}'s transaction ends. */
        Set<String> lockKnown(Handle h, Set<String> names);
    }

    private final KnownScopes knownScopes;

    /** With {@code assertions}, clients can authenticate with {@code private_key_jwt}. */
    public ClientService(
            Database db,
            ClientStore store,
            Secrets secrets,
            AuditLog audit,
            Clock clock,
            ClientAssertions assertions,
            KnownScopes knownScopes) {
        this.assertions = assertions;
        this.knownScopes = knownScopes;
        this.recent = new RecentReads<>(clock, RECENT, 10_000);
        this.db = db;
        this.store = store;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
    }

    public Issued create(Map<String, Object> metadataJson, boolean firstParty, UUID actor, RequestInfo info) {
        return create(metadataJson, firstParty, false, actor, info);
    }

    /** With {@code registrationToken}, also issues an RFC 7592 registration access token for self-management. */
    public Issued create(
            Map<String, Object> metadataJson,
            boolean firstParty,
            boolean registrationToken,
            UUID actor,
            RequestInfo info) {
        return create(metadataJson, firstParty, registrationToken, actor, info, h -> {}, Map.of());
    }

    /**
     * RFC 7591 §3 registration with an initial access token ({@link InitialAccessTokens}) instead of an administrator:
     * the metadata limited to what the token allows, one of its uses spent with the client's insert.
     */
    public Issued register(
            Map<String, Object> metadataJson, InitialAccessTokens tokens, String token, RequestInfo info) {
        var allowance = tokens.allowance(token);
        return registerWithin(
                metadataJson,
                allowance,
                h -> tokens.spend(h, allowance),
                Map.of("initial_access_token_id", allowance.id().toString()),
                info);
    }

    /**
     * Open registration (GATEHOUSE_OPEN_CLIENT_REGISTRATION): no token at all, and the limits of an initial access token
     * made with the defaults (ADR 0029).
     */
    public Issued registerOpenly(Map<String, Object> metadataJson, RequestInfo info) {
        return registerWithin(
                metadataJson, InitialAccessTokens.open(), h -> {}, Map.of("open_registration", true), info);
    }

    /** A developer's registration: the metadata limited to {@code allowance}, {@code admit} run with the insert. */
    private Issued registerWithin(
            Map<String, Object> metadataJson,
            InitialAccessTokens.Allowance allowance,
            java.util.function.Consumer<Handle> admit,
            Map<String, Object> auditDetails,
            RequestInfo info) {
        var metadata = new LinkedHashMap<>(metadataJson);
        InitialAccessTokens.limit(metadata, allowance);
        return create(metadata, false, true, null, info, admit, auditDetails);
    }

    private Issued create(
            Map<String, Object> metadataJson,
            boolean firstParty,
            boolean registrationToken,
            UUID actor,
            RequestInfo info,
            java.util.function.Consumer<Handle> admit,
            Map<String, Object> auditDetails) {
        OIDCClientMetadata m = ClientMetadataRules.validate(metadataJson);
        Optional<String> rat = registrationToken ? Optional.of(secrets.token("grt_")) : Optional.empty();
        Instant now = clock.instant();
        String clientId = "gc_" + secrets.token("").substring(0, 22);
        Optional<String> secret =
                usesSecret(m.getTokenEndpointAuthMethod()) ? Optional.of(secrets.token("gcs_")) : Optional.empty();
        var row = new ClientStore.Row(
                clientId,
                m.getName(),
                secret.map(Secrets::sha256).orElse(null),
                m.toJSONObject().toJSONString(),
                firstParty,
                rat.map(Secrets::sha256).orElse(null),
                now,
                now);
        var details = new LinkedHashMap<String, Object>(auditDetails);
        details.put("client_id", clientId);
        db.useTransaction(h -> {
            requireKnownScopes(h, m);
            admit.accept(h);
            store.insert(h, row);
            audit.record(
                    h, AuditEvent.success("client.created", null).actor(actor).details(details), info);
        });
        return new Issued(open(row), secret, rat);
    }

    /**
     * A client may only register scopes the scopes table has (RFC 7591 §2 leaves the values to the server): a name
     * that is not there is usually a typo, and would otherwise be granted without a description on the consent page
     * and outlive any decision to delete it.
     */
    private void requireKnownScopes(Handle h, OIDCClientMetadata m) {
        if (m.getScope() == null) return;
        var named = new java.util.TreeSet<>(m.getScope().toStringList());
        named.removeAll(knownScopes.lockKnown(h, named));
        if (named.isEmpty()) return;
        String shown = String.join(" ", named.stream().limit(10).toList()) + (named.size() > 10 ? " ..." : "");
        throw ClientMetadataRules.metadataError(
                "scope",
                "names scopes this server does not have (" + shown
                        + "); an administrator creates them at /v1/admin/scopes");
    }

    /** RFC 7592: the client's own registration access token, compared in constant time; empty when wrong. */
    public Optional<OAuthClient> byRegistrationToken(String clientId, String token) {
        if (token == null || !token.startsWith("grt_")) return Optional.empty();
        return db.withHandle(h -> store.byId(h, clientId))
                .filter(r -> r.registrationTokenHash() != null
                        && Secrets.constantTimeEquals(r.registrationTokenHash(), Secrets.sha256(token)))
                .map(ClientService::open);
    }

    public Optional<OAuthClient> find(String clientId) {
        if (clientId == null || clientId.length() > 64) return Optional.empty();
        // Only found clients are cached, so random ids cannot grow the cache.
        return recent.get(clientId, id -> db.withHandle(h -> store.byId(h, id)).map(ClientService::open));
    }

    /** Sends this node's client changes to the other nodes of a cluster, and applies theirs here (ADR 0013). */
    public void shareCacheInvalidations(ClusterEvents events) {
        recent.shareInvalidations(events, "client_changed", id -> id);
    }

    /**
     * The CORS headers of an answer to a request from {@code origin} (null without one) for client {@code clientId}:
     * readable by the origins of its redirect URIs only (ADR 0017).
     */
    public Map<String, String> cors(String origin, String clientId) {
        if (origin == null) return Map.of();
        return dev.gatehouse.platform.http.Cors.answer(
                origin, find(clientId).filter(c -> c.allowsOrigin(origin)).isPresent());
    }

    /**
     * The same for a client-authenticated request (token, revocation, PAR): the client is the one its
     * {@code Authorization} header or {@code client_id} names; an answer to a request naming no client is not readable.
     */
    public Map<String, String> cors(String origin, String authorization, Map<String, List<String>> form) {
        if (origin == null) return Map.of();
        String clientId;
        try {
            clientId = ClientAuthParser.parse(authorization, form).clientId();
        } catch (OAuthError e) {
            return dev.gatehouse.platform.http.Cors.answer(origin, false);
        }
        return cors(origin, clientId);
    }

    public List<OAuthClient> list(int limit, int offset) {
        return db.withHandle(h -> store.list(h, limit, offset)).stream()
                .map(ClientService::open)
                .toList();
    }

    /**
     * Replaces a client's metadata. A switch to a secret method (from {@code private_key_jwt}) issues a secret, shown
     * once in the answer, since the client had none; a switch away from one drops the secret's hash.
     */
    public Issued update(String clientId, Map<String, Object> metadataJson, UUID actor, RequestInfo info) {
        OIDCClientMetadata m = ClientMetadataRules.validate(metadataJson);
        OAuthClient current =
                find(clientId).orElseThrow(() -> new OAuthError(404, "invalid_client_id", "no such client"));
        boolean nowPublic = ClientAuthenticationMethod.NONE.equals(m.getTokenEndpointAuthMethod());
        if (nowPublic != current.isPublic()) {
            throw new OAuthError(
                    400, "invalid_client_metadata", "a client cannot switch between public and confidential");
        }
        Instant now = clock.instant();
        // validate() applied the defaults, so the method is set (client_secret_basic unless named).
        boolean secretMethod = usesSecret(m.getTokenEndpointAuthMethod());
        String newSecret = secretMethod && current.secretHash().isEmpty() ? secrets.token("gcs_") : null;
        String secretHash = !secretMethod ? null : current.secretHash().orElseGet(() -> Secrets.sha256(newSecret));
        var row = new ClientStore.Row(
                clientId,
                m.getName(),
                secretHash,
                m.toJSONObject().toJSONString(),
                current.firstParty(),
                null,
                current.createdAt(),
                now);
        db.useTransaction(h -> {
            requireKnownScopes(h, m);
            store.update(h, row);
            recent.invalidate(h, clientId);
            audit.record(
                    h,
                    AuditEvent.success("client.updated", null).actor(actor).details(Map.of("client_id", clientId)),
                    info);
        });
        return new Issued(open(row), Optional.ofNullable(newSecret), Optional.empty());
    }

    /**
     * RFC 7592 §2.2: a client replacing its own registration names its client_id, and a client_secret it includes must
     * be its current one (checked as at the token endpoint, never stored). Impersonation is an administrator's
     * decision, so the stored value stays whatever the request says.
     */
    public Issued updateOwn(OAuthClient self, Map<String, Object> request, RequestInfo info) {
        if (!self.clientId().equals(request.get("client_id")))
            throw new OAuthError(
                    400, "invalid_client_metadata", "client_id must be present and name this client", "client_id");
        Object secret = request.get("client_secret");
        if (secret != null && !(secret instanceof String s && secretMatches(self, s)))
            throw new OAuthError(
                    400,
                    "invalid_client_metadata",
                    "client_secret is not this client's current secret",
                    "client_secret");
        var metadata = new LinkedHashMap<>(request);
        metadata.remove(OAuthClient.IMPERSONATION);
        if (self.mayImpersonate()) metadata.put(OAuthClient.IMPERSONATION, true);
        keepWhatOnlyAnAdministratorGrants(self, metadata);
        return update(self.clientId(), metadata, null, info);
    }

    /**
     * RFC 7592 §2.2 lets the server refuse or replace values. A client managing itself may narrow what an administrator
     * registered, never widen it: its scope and grant types stay within the current ones (left out, they stay as they
     * are, rather than fall back to defaults that could be wider), and a PAR or DPoP requirement stays on.
     */
    private static void keepWhatOnlyAnAdministratorGrants(OAuthClient self, Map<String, Object> metadata) {
        Set<String> scopeNow = self.allowedScopes();
        Object scopeAsked = metadata.get("scope");
        if (!scopeNow.isEmpty()) {
            if (scopeAsked == null) metadata.put("scope", String.join(" ", scopeNow));
            else if (!(scopeAsked instanceof String s)
                    || !scopeNow.containsAll(List.of(s.trim().split(" +"))))
                throw ClientMetadataRules.metadataError(
                        "scope", "may only narrow the registered scope (" + String.join(" ", scopeNow) + ")");
        }
        List<String> grantsNow = self.metadata().getGrantTypes() == null
                ? List.of()
                : self.metadata().getGrantTypes().stream()
                        .map(GrantType::getValue)
                        .toList();
        Object grantsAsked = metadata.get("grant_types");
        if (grantsAsked == null) metadata.put("grant_types", grantsNow);
        else if (!(grantsAsked instanceof List<?> l) || !grantsNow.containsAll(l))
            throw ClientMetadataRules.metadataError(
                    "grant_types", "may only narrow the registered grant types " + grantsNow);
        List<String> resourcesNow = self.resources();
        Object resourcesAsked = metadata.get(OAuthClient.RESOURCES);
        if (resourcesAsked == null) {
            if (!resourcesNow.isEmpty()) metadata.put(OAuthClient.RESOURCES, resourcesNow);
        } else if (!(resourcesAsked instanceof List<?> l) || !resourcesNow.containsAll(l))
            throw ClientMetadataRules.metadataError(OAuthClient.RESOURCES, "may only narrow the registered resources");
        if (self.metadata().requiresPushedAuthorizationRequests())
            metadata.put("require_pushed_authorization_requests", true);
        if (self.metadata().getDPoPBoundAccessTokens()) metadata.put("dpop_bound_access_tokens", true);
    }

    /** The ids of the clients whose registered scope names {@code scope}, read in {@code h}'s transaction. */
    public List<String> registering(Handle h, String scope) {
        return store.registering(h, scope);
    }

    /** What else goes with a deleted client, inside the deleting transaction (its sessions, its consents). */
    public interface Deleted {
        void deleted(org.jdbi.v3.core.Handle h, String clientId);
    }

    /** Sets {@link Deleted}: App wires the features that build on clients here. Set once, at assembly. */
    public void whenDeleted(Deleted listener) {
        this.deleted = java.util.Objects.requireNonNull(listener);
    }

    /** Ends every session of a client inside the caller's transaction; the number ended. */
    public interface SessionsEnded {
        int endAll(org.jdbi.v3.core.Handle h, String clientId);
    }

    /** Sets {@link SessionsEnded} for {@link #revokeTokens}. Set once, at assembly. */
    public void whenTokensRevoked(SessionsEnded listener) {
        this.sessionsEnded = java.util.Objects.requireNonNull(listener);
    }

    /** What {@link #revokeTokens} did: the sessions it ended, and the instant before which sessionless tokens fail. */
    public record TokensRevoked(int sessionsEnded, Instant notBefore) {}

    /**
     * Incident response: every token the client holds stops working on every node. Its sessions end (their refresh
     * tokens and session-bound access tokens with them), and its access tokens of no session (client credentials,
     * token exchange) issued before now are refused. Access tokens carry {@code iat} in whole seconds, so those issued
     * in the current second are refused too, also one issued right after this call within that second.
     */
    public TokensRevoked revokeTokens(String clientId, UUID actor, RequestInfo info) {
        Instant notBefore = clock.instant()
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .plusSeconds(1);
        int ended = db.inTransaction(h -> {
            if (!store.revokeTokens(h, clientId, notBefore)) throw Problem.notFound("The client");
            int n = sessionsEnded.endAll(h, clientId);
            recent.invalidate(h, clientId);
            audit.record(
                    h,
                    AuditEvent.success("client.tokens_revoked", null)
                            .actor(actor)
                            .details(Map.of(
                                    "client_id", clientId,
                                    "sessions_ended", n,
                                    "tokens_not_before", notBefore.toString())),
                    info);
            return n;
        });
        return new TokensRevoked(ended, notBefore);
    }

    /**
     * Whether a sessionless access token of {@code clientId} issued at {@code issuedAt} is still accepted: the client
     * is registered, and its tokens were not revoked after that ({@link #revokeTokens}). From the clients cache.
     */
    public boolean acceptsTokenIssuedAt(String clientId, Instant issuedAt) {
        var c = find(clientId);
        if (c.isEmpty()) return false;
        var notBefore = c.get().tokensNotBefore();
        return notBefore.isEmpty() || (issuedAt != null && !issuedAt.isBefore(notBefore.get()));
    }

    public boolean delete(String clientId, UUID actor, RequestInfo info) {
        boolean deleted = db.inTransaction(h -> {
            boolean d = store.delete(h, clientId);
            recent.invalidate(h, clientId);
            if (d) this.deleted.deleted(h, clientId);
            if (d)
                audit.record(
                        h,
                        AuditEvent.success("client.deleted", null).actor(actor).details(Map.of("client_id", clientId)),
                        info);
            return d;
        });
        return deleted;
    }

    /** The longest a replaced secret may stay valid after a rotation. */
    public static final Duration MAX_SECRET_OVERLAP = Duration.ofDays(7);

    /**
     * A new secret, shown once. With a positive {@code keepPrevious} the current secret stays valid that long, so the
     * client's deployments can move to the new one without failing in between; a secret an earlier rotation kept
     * stops now either way. Zero: the current secret stops at once.
     */
    public Issued regenerateSecret(String clientId, Duration keepPrevious, UUID actor, RequestInfo info) {
        if (keepPrevious.isNegative() || keepPrevious.compareTo(MAX_SECRET_OVERLAP) > 0)
            throw Problem.invalidField(
                    "previous_secret_expires_in", "from 0 to " + MAX_SECRET_OVERLAP.toSeconds() + " seconds (7 days)");
        OAuthClient c = find(clientId).orElseThrow(() -> new OAuthError(404, "invalid_client_id", "no such client"));
        if (!usesSecret(c.authMethod()))
            throw new OAuthError(400, "invalid_request", "clients using " + c.authMethod() + " have no secret");
        String secret = secrets.token("gcs_");
        Instant now = clock.instant();
        boolean keep = !keepPrevious.isZero() && c.secretHash().isPresent();
        String previousHash = keep ? c.secretHash().get() : null;
        Instant previousUntil = keep ? now.plus(keepPrevious) : null;
        String secretHash = Secrets.sha256(secret);
        var details = new LinkedHashMap<String, Object>();
        details.put("client_id", clientId);
        if (keep) details.put("previous_secret_expires_at", previousUntil.toString());
        db.useTransaction(h -> {
            if (!store.rotateSecret(h, clientId, secretHash, previousHash, previousUntil, now))
                throw new OAuthError(404, "invalid_client_id", "no such client");
            recent.invalidate(h, clientId);
            audit.record(
                    h,
                    AuditEvent.success("client.secret_regenerated", null)
                            .actor(actor)
                            .details(details),
                    info);
        });
        var rotated = new OAuthClient(
                clientId,
                Optional.of(secretHash),
                c.metadata(),
                c.firstParty(),
                c.createdAt(),
                now,
                keep ? Optional.of(new OAuthClient.PreviousSecret(previousHash, previousUntil)) : Optional.empty(),
                c.tokensNotBefore());
        return new Issued(rotated, Optional.of(secret), Optional.empty());
    }

    /**
     * Authenticates a client by the method it registered (RFC 6749 §2.3). Unknown clients and wrong secrets give the
     * same {@code invalid_client}.
     */
    public OAuthClient authenticate(ClientCredentials presented) {
        OAuthClient c =
                find(presented.clientId()).orElseThrow(() -> OAuthError.invalidClient("client authentication failed"));
        ClientAuthenticationMethod registered = c.authMethod();
        if (!registered.equals(presented.method())) throw OAuthError.invalidClient("client authentication failed");
        if (c.isPublic()) return c;
        if (ClientAuthenticationMethod.PRIVATE_KEY_JWT.equals(registered)) {
            if (assertions == null) throw OAuthError.invalidClient("client authentication failed");
            assertions.verify(c, presented.assertion());
            return c;
        }
        if (!secretMatches(c, presented.secret())) throw OAuthError.invalidClient("client authentication failed");
        return c;
    }

    /**
     * True when {@code secret} is the client's current one, or the one a rotation replaced while it is still accepted,
     * compared as hashes in constant time.
     */
    private boolean secretMatches(OAuthClient c, String secret) {
        if (secret == null) return false;
        String presented = Secrets.sha256(secret);
        boolean current = c.secretHash()
                .filter(expected -> Secrets.constantTimeEquals(expected, presented))
                .isPresent();
        boolean previous = c.previousSecret()
                .filter(p -> clock.instant().isBefore(p.expiresAt()))
                .filter(p -> Secrets.constantTimeEquals(p.hash(), presented))
                .isPresent();
        return current || previous;
    }

    private static boolean usesSecret(ClientAuthenticationMethod method) {
        return ClientAuthenticationMethod.CLIENT_SECRET_BASIC.equals(method)
                || ClientAuthenticationMethod.CLIENT_SECRET_POST.equals(method);
    }

    private static OAuthClient open(ClientStore.Row r) {
        try {
            var m = OIDCClientMetadata.parse(JSONObjectUtils.parse(r.metadataJson()));
            // A registration from before software statements were refused may hold one, never verified: not shown.
            m.setSoftwareStatement(null);
            Optional<OAuthClient.PreviousSecret> previous = r.previousSecretHash() == null
                            || r.previousSecretExpiresAt() == null
                    ? Optional.empty()
                    : Optional.of(new OAuthClient.PreviousSecret(r.previousSecretHash(), r.previousSecretExpiresAt()));
            return new OAuthClient(
                    r.clientId(),
                    Optional.ofNullable(r.secretHash()),
                    m,
                    r.firstParty(),
                    r.createdAt(),
                    r.updatedAt(),
                    previous,
                    Optional.ofNullable(r.tokensNotBefore()));
        } catch (ParseException e) {
            throw new IllegalStateException("stored metadata of " + r.clientId() + " is unreadable", e);
        }
    }
}
