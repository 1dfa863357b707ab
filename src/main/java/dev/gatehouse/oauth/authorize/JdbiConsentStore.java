package dev.gatehouse.oauth.authorize;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Remembered consents, one row per user and client. */
public final class JdbiConsentStore {
    public Optional<Set<String>> granted(Handle h, UUID userId, String clientId) {
        return h.createQuery("SELECT scope FROM oauth_consents WHERE user_id = :u AND client_id = :c")
                .bind("u", userId)
                .bind("c", clientId)
                .mapTo(String.class)
                .findOne()
                .map(JdbiConsentStore::scopeOf);
    }

    public void save(Handle h, UUID userId, String clientId, Set<String> scope, Instant now) {
        h.createUpdate("DELETE FROM oauth_consents WHERE user_id = :u AND client_id = :c")
                .bind("u", userId)
                .bind("c", clientId)
                .execute();
        h.createUpdate("INSERT INTO oauth_consents (user_id, client_id, scope, granted_at) VALUES (:u, :c, :s, :t)")
                .bind("u", userId)
                .bind("c", clientId)
                .bind("s", String.join(" ", scope))
                .bind("t", now)
                .execute();
    }

    /** The user's consents, newest first. */
    public List<Consent> list(Handle h, UUID userId) {
        return h.createQuery("SELECT c.client_id, k.client_name, c.scope, c.granted_at FROM oauth_consents c"
                        + " LEFT JOIN oauth_clients k ON k.client_id = c.client_id"
                        + " WHERE c.user_id = :u ORDER BY c.granted_at DESC, c.client_id")
                .bind("u", userId)
                .map((rs, ctx) -> new Consent(
                        rs.getString("client_id"),
                        rs.getString("client_name"),
                        scopeOf(rs.getString("scope")),
                        rs.getObject("granted_at", OffsetDateTime.class).toInstant()))
                .list();
    }

    /** Forgets the consent; true when there was one. */
    public boolean revoke(Handle h, UUID userId, String clientId) {
        return h.createUpdate("DELETE FROM oauth_consents WHERE user_id = :u AND client_id = :c")
                        .bind("u", userId)
                        .bind("c", clientId)
                        .execute()
                == 1;
    }

    /** Forgets every consent of the user; returns how many there were. */
    public int revokeAll(Handle h, UUID userId) {
        return h.createUpdate("DELETE FROM oauth_consents WHERE user_id = :u")
                .bind("u", userId)
                .execute();
    }

    /** Forgets every consent to the client; returns how many there were. */
    public int revokeClient(Handle h, String clientId) {
        return h.createUpdate("DELETE FROM oauth_consents WHERE client_id = :c")
                .bind("c", clientId)
                .execute();
    }

    /** The stored scope (names joined by spaces, in the order granted) as a set in that order. */
    private static Set<String> scopeOf(String stored) {
        return stored.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(stored.split(" ")));
    }
}
