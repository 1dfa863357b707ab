package dev.gatehouse.oauth.authorize;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.sessions.SessionService;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Consent per user and client, remembered until revoked; first-party clients need none. */
public final class ConsentService {
    private final Database db;
    private final JdbiConsentStore store;
    private final AuditLog audit;
    private final Clock clock;
    private final SessionService sessions;

    public ConsentService(Database db, JdbiConsentStore store, AuditLog audit, Clock clock, SessionService sessions) {
        this.db = db;
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.sessions = sessions;
    }

    /** The consents the user has given, newest first. */
    public List<Consent> list(UUID userId) {
        return db.withHandle(h -> store.list(h, userId));
    }

    /**
     * Forgets the user's consent to a client and ends the sessions the user holds through it, so its refresh tokens
     * stop working; the consent page shows again next time. False when there was neither.
     */
    public boolean revoke(UUID userId, String clientId, RequestInfo info) {
        if (clientId.length() > 64) return false; // no client has such an id
        return db.inTransaction(h -> {
            boolean had = store.revoke(h, userId, clientId);
            var ended = sessions.endAllForClient(h, userId, clientId, "consent_revoked");
            if (!had && ended.isEmpty()) return false;
            audit.record(
                    h,
                    AuditEvent.success("oauth.consent_revoked", userId)
                            .details(Map.of("client_id", clientId, "sessions_ended", ended.size())),
                    info);
            return true;
        });
    }

    /**
     * Inside the caller's transaction, forgets every consent of the user (the owner of the address proving it after
     * someone else may have given them); returns how many. The sessions end with the caller's.
     */
    public int forgetAll(Handle h, UUID userId) {
        return store.revokeAll(h, userId);
    }

    /** Inside the caller's transaction, forgets every user's consent to a client that is being deleted. */
    public int forgetClient(Handle h, String clientId) {
        return store.revokeClient(h, clientId);
    }

    /** Whether the user must be asked (OIDC Core §3.1.2.4); {@code prompt=consent} always asks. */
    public boolean needed(UUID userId, OAuthClient client, Set<String> scope, Set<String> prompt) {
        if (prompt.contains("consent")) return true;
        if (client.firstParty()) return false;
        return db.withHandle(h -> store.granted(h, userId, client.clientId()))
                .map(g -> !g.containsAll(scope))
                .orElse(true);
    }

    /** Remembers the scopes granted, adding to what the user granted this client before. */
    public void grant(UUID userId, OAuthClient client, Set<String> scope, RequestInfo info) {
        db.useTransaction(h -> {
            var all = new LinkedHashSet<String>(
                    store.granted(h, userId, client.clientId()).orElse(Set.of()));
            all.addAll(scope);
            store.save(h, userId, client.clientId(), all, clock.instant());
            audit.record(
                    h,
                    AuditEvent.success("oauth.consent_granted", userId)
                            .details(Map.of("client_id", client.clientId(), "scope", String.join(" ", scope))),
                    info);
        });
    }
}
