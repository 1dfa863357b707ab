package dev.gatehouse.tokens;

import dev.gatehouse.platform.db.ClusterEvents;
import dev.gatehouse.platform.db.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens revoked before they expire (RFC 7009). Checks are a local map lookup. A revocation reaches the other
 * nodes' maps when it commits, as a cluster event ({@link ClusterEvents}, PostgreSQL NOTIFY); in any case each map
 * follows the table (rows revoked on any node) at most {@code syncEvery} behind, and forgets tokens once they have
 * expired anyway.
 */
public final class RevocationList {
    private final Database db;
    private final Clock clock;
    private final Duration syncEvery;
    private final ClusterEvents events;
    private final Map<String, Instant> revoked = new ConcurrentHashMap<>();
    private volatile Instant syncedUpTo = Instant.EPOCH;
    private volatile Instant nextSync = Instant.EPOCH;

    static final String TOPIC = "access_token_revoked";

    public RevocationList(Database db, Clock clock, Duration syncEvery, ClusterEvents events) {
        this.db = db;
        this.clock = clock;
        this.syncEvery = syncEvery;
        this.events = events;
        // "<jti> <expiry, epoch seconds>" from whichever node revoked it.
        events.subscribe(TOPIC, payload -> {
            int space = payload.indexOf(' ');
            if (space <= 0) return;
            revoked.put(
                    payload.substring(0, space), Instant.ofEpochSecond(Long.parseLong(payload.substring(space + 1))));
        });
        // Events missed while not listening: the next check reads the table.
        events.onGap(() -> nextSync = Instant.EPOCH);
    }

    public void revoke(String jti, Instant expiresAt) {
        Instant now = clock.instant();
        try {
            insert(jti, expiresAt, now);
        } catch (RuntimeException e) {
            // Another call revoked the same token between this one's check and its insert: revoked all the same.
            if (!Database.isUniqueViolation(e)) throw e;
        }
        revoked.put(jti, expiresAt);
    }

    private void insert(String jti, Instant expiresAt, Instant now) {
        db.useTransaction(h -> {
            int exists = h.createQuery("SELECT COUNT(*) FROM revoked_access_tokens WHERE jti = :jti")
                    .bind("jti", jti)
                    .mapTo(Integer.class)
                    .one();
            if (exists == 0) {
                h.createUpdate(
                                "INSERT INTO revoked_access_tokens (jti, revoked_at, expires_at) VALUES (:jti, :now, :exp)")
                        .bind("jti", jti)
                        .bind("now", now)
                        .bind("exp", expiresAt)
                        .execute();
                events.publish(h, TOPIC, jti + " " + expiresAt.getEpochSecond());
            }
        });
    }

    public boolean isRevoked(String jti) {
        if (jti == null) return false;
        syncIfDue();
        return revoked.containsKey(jti);
    }

    private void syncIfDue() {
        Instant now = clock.instant();
        if (now.isBefore(nextSync)) return;
        synchronized (this) {
            if (now.isBefore(nextSync)) return;
            Instant from = syncedUpTo.minusSeconds(5); // overlap against commit-order skew between nodes
            db.withHandle(h -> h.createQuery("SELECT jti, revoked_at, expires_at FROM revoked_access_tokens"
                            + " WHERE revoked_at >= :from AND expires_at > :now")
                    .bind("from", from)
                    .bind("now", now)
                    .map((rs, c) -> {
                        revoked.put(
                                rs.getString("jti"),
                                rs.getObject("expires_at", OffsetDateTime.class).toInstant());
                        return null;
                    })
                    .list());
            revoked.values().removeIf(exp -> exp.isBefore(now));
            syncedUpTo = now;
            nextSync = now.plus(syncEvery);
        }
    }

    /** Deletes rows of revoked tokens that have expired anyway (the cleanup job); returns how many. */
    public int deleteExpired(Instant now) {
        return db.inTransaction(h -> h.createUpdate("DELETE FROM revoked_access_tokens WHERE expires_at < :now")
                .bind("now", now)
                .execute());
    }
}
