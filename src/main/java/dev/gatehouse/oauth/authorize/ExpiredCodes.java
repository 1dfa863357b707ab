package dev.gatehouse.oauth.authorize;

import dev.gatehouse.platform.db.Database;
import java.time.Instant;

/** The cleanup job's access to authorization codes: deletes those that no longer record a live grant. */
public final class ExpiredCodes {
    private final Database db;
    private final JdbiCodeStore store;

    public ExpiredCodes(Database db, JdbiCodeStore store) {
        this.db = db;
        this.store = store;
    }

    public int deleteExpired(Instant now) {
        return db.inTransaction(h -> store.deleteExpired(h, now));
    }
}
