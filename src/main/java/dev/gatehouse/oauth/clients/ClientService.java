package dev.gatehouse.oauth.clients;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.ClusterEvents;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.db.RecentReads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * OAuth clients as the endpoints see them: looked up through a cache of recent reads (ADR 0013), and authenticated at
 * the token, introspection, revocation and PAR endpoints. Secrets are stored as SHA-256, so checking one costs a hash,
 * not a password hash. {@link ClientRegistrations} registers and changes clients; {@link ClientRevocation} rotates
 * their secrets and revokes their tokens.
 */
public final class ClientService {
    private final Database db;
    private final ClientStore store;
    private final Clock clock;
    /**
     * How long a client read from the table is used without reading it again. A change on this node shows at once,
     * and on the other nodes of a cluster when its event arrives ({@link #shareCacheInvalidations}); one they miss
     * still shows within this (ADR 0013).
     */
    static final Duration RECENT = Duration.ofSeconds(30);

    private final RecentReads<String, OAuthClient> recent;
    private final ClientAssertions assertions;

    /** With {@code assertions}, clients can authenticate with {@code private_key_jwt}. */
    public ClientService(Database db, ClientStore store, Clock clock, ClientAssertions assertions) {
        this.assertions = assertions;
        this.recent = new RecentReads<>(clock, RECENT, 10_000);
        this.db = db;
        this.store = store;
        this.clock = clock;
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
        return recent.get(clientId, this::read);
    }

    private Optional<OAuthClient> read(String clientId) {
        return db.withHandle(h -> store.byId(h, clientId)).map(ClientService::open);
    }

    /** Drops the client from this node's cache when {@code h}'s transaction commits, and from the others' (ADR 0013). */
    void invalidate(Handle h, String clientId) {
        recent.invalidate(h, clientId);
    }

    /** Sends this node's client changes to the other nodes of a cluster, and applies theirs here (ADR 0013). */
    public void shareCacheInvalidations(ClusterEvents events) {
        recent.shareInvalidations(events, "client_changed", id -> id);
    }

    /**
     * The CORS headers of an answer to a request from {@code origin} (null without one) for client {@code clientId}:
     * readable by the origins its redirect URIs allow only (ADR 0017).
     */
    public Map<String, String> cors(String origin, String clientId) {
        if (origin == null) return Map.of();
        return dev.gatehouse.platform.http.Cors.answer(
                origin, find(clientId).filter(c -> c.redirectsToOrigin(origin)).isPresent());
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

    /** The ids of the clients whose registered scope names {@code scope}, read in {@code h}'s transaction. */
    public List<String> registering(Handle h, String scope) {
        return store.registering(h, scope);
    }

    /**
     * Whether an access token of {@code clientId} issued at {@code issuedAt}, of a session or not, is still accepted:
     * the client is registered, and its tokens were not revoked after that ({@link ClientRevocation#revokeTokens}).
     * From the clients cache.
     */
    public boolean acceptsTokenIssuedAt(String clientId, Instant issuedAt) {
        if (clientId == null || clientId.length() > 64) return false;
        // The id comes from a token this server signed, so nobody can make one up: a deleted client's absence is
        // cached too, and its tokens do not cost a database read each until they expire.
        var c = recent.getRemembering(clientId, this::read);
        if (c.isEmpty()) return false;
        var notBefore = c.get().tokensNotBefore();
        return notBefore.isEmpty() || (issuedAt != null && !issuedAt.isBefore(notBefore.get()));
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
    boolean secretMatches(OAuthClient c, String secret) {
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

    static boolean usesSecret(ClientAuthenticationMethod method) {
        return ClientAuthenticationMethod.CLIENT_SECRET_BASIC.equals(method)
                || ClientAuthenticationMethod.CLIENT_SECRET_POST.equals(method);
    }

    static OAuthClient open(ClientStore.Row r) {
        try {
            var json = JSONObjectUtils.parse(r.metadataJson());
            // A registration from before these were refused or ignored may hold them, never honoured: not shown, and
            // gone at its next update. A software statement was never verified.
            json.keySet().removeAll(ClientMetadataRules.UNSUPPORTED.keySet());
            var m = OIDCClientMetadata.parse(json);
            m.setSoftwareStatement(null);
            ClientMetadataRules.dropUnknown(m);
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
