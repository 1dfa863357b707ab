package dev.gatehouse.oauth.authorize;

import dev.gatehouse.platform.db.Database;
import java.time.Instant;

/**
 * The cleanup job's access to authorization codes and pushed authorization requests: deletes those that no longer
 * record a live grant or a request that could still be answered.
 */
public final class ExpiredCodes {
    private final Database db;
    private final JdbiCodeStore store;
    private final JdbiParStore pushed;

    public ExpiredCodes(Database db, JdbiCodeStore store, JdbiParStore pushed) {
        this.db = db;
        this.store = store;
        this.pushed = pushed;
    }

    public int deleteExpired(Instant now) {
        return db.inTransaction(h -> store.deleteExpired(h, now));
    }

    /**
     * A pushed request may be shown again for {@link AuthorizeService#PAR_INTERACTION} after it was first presented,
     * which happens before it expires; past that it can only answer {@code invalid_request_uri}, and an unknown
     * {@code request_uri} gets the same page.
     */
    public int deleteExpiredPushed(Instant now) {
        return db.inTransaction(h -> pushed.deleteExpired(h, now.minus(AuthorizationRequests.PAR_INTERACTION)));
    }
}
