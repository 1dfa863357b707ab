package dev.gatehouse.platform.keys;

import java.time.Instant;
import java.util.List;

/** Persistence of signing keys; private halves are sealed by the caller before they reach the store. */
public interface SigningKeyStore {
    record Row(
            String kid,
            String alg,
            String publicJwk,
            String sealedPrivateJwk,
            Instant createdAt,
            Instant activatesAt,
            Instant expiresAt) {}

    List<Row> all();

    void insert(Row row);

    /**
     * Inserts {@code row} only when no key of its algorithm is stored, and says whether it did: the first key of an
     * algorithm, which nodes starting together on an empty database may each make. The check and the insert hold a
     * lock that every node's call takes, so exactly one of them stores its key.
     */
    boolean insertFirst(Row row);

    /**
     * A rotation in one transaction: stores {@code successor}, schedules every other key of its algorithm to leave the
     * JWKS at {@code othersLeaveAt} (or earlier, when one was scheduled earlier already), and runs {@code alsoInTransaction}
     * (the audit record) in the same transaction.
     */
    void rotate(
            Row successor,
            Instant othersLeaveAt,
            java.util.function.Consumer<org.jdbi.v3.core.Handle> alsoInTransaction);

    void deleteExpired(Instant now);
}
