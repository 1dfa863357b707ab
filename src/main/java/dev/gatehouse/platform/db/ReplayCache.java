package dev.gatehouse.platform.db;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Single-use JWT ids (client assertions, DPoP proofs) in the {@code used_jtis} table: the primary key makes the first
 * use win on whichever node it lands, so a replay is refused cluster-wide. Entries are kept until the JWT they came
 * from could no longer be accepted anyway, then purged.
 */
public final class ReplayCache {
    private static final Duration PURGE_EVERY = Duration.ofMinutes(1);
    private final Database db;
    private final Clock clock;
    private volatile Instant nextPurge = Instant.EPOCH;

    public ReplayCache(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** True the first time {@code value} is seen in {@code namespace} until {@code keepUntil}; false on a replay. */
    public boolean firstUse(String namespace, String value, Instant keepUntil) {
        Instant now = clock.instant();
        purgeIfDue(now);
        String id = hash(namespace + "\n" + value);
        try {
            db.jdbi()
                    .useHandle(h -> h.createUpdate("INSERT INTO used_jtis (id, expires_at) VALUES (:id, :exp)")
                            .bind("id", id)
                            .bind("exp", keepUntil)
                            .execute());
            return true;
        } catch (UnableToExecuteStatementException e) {
            if (!Database.isUniqueViolation(e)) throw e;
            // A row past its expiry that the purge has not reached yet no longer counts.
            int taken = db.jdbi()
                    .withHandle(h -> h.createUpdate(
                                    "UPDATE used_jtis SET expires_at = :exp WHERE id = :id AND expires_at < :now")
                            .bind("id", id)
                            .bind("exp", keepUntil)
                            .bind("now", now)
                            .execute());
            return taken == 1;
        }
    }

    private void purgeIfDue(Instant now) {
        if (now.isBefore(nextPurge)) return;
        nextPurge = now.plus(PURGE_EVERY);
        db.jdbi()
                .useHandle(h -> h.createUpdate("DELETE FROM used_jtis WHERE expires_at < :now")
                        .bind("now", now)
                        .execute());
    }

    private static String hash(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
