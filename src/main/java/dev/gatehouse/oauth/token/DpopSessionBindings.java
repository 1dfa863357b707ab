package dev.gatehouse.oauth.token;

import dev.gatehouse.platform.db.Database;
import java.util.Optional;
import java.util.UUID;

/**
 * RFC 9449 §5: the DPoP key a public client's refresh tokens are bound to, one per session (refresh tokens rotate
 * within their session, so the binding follows every rotation and ends with the session).
 */
public final class DpopSessionBindings {
    private final Database db;

    public DpopSessionBindings(Database db) {
        this.db = db;
    }

    public void bind(UUID sessionId, String jkt) {
        db.useTransaction(h -> {
            h.createUpdate("DELETE FROM dpop_session_bindings WHERE session_id = :s")
                    .bind("s", sessionId)
                    .execute();
            h.createUpdate("INSERT INTO dpop_session_bindings (session_id, jkt) VALUES (:s, :jkt)")
                    .bind("s", sessionId)
                    .bind("jkt", jkt)
                    .execute();
        });
    }

    public Optional<String> keyOf(UUID sessionId) {
        return db.withHandle(h -> h.createQuery("SELECT jkt FROM dpop_session_bindings WHERE session_id = :s")
                .bind("s", sessionId)
                .mapTo(String.class)
                .findOne());
    }
}
