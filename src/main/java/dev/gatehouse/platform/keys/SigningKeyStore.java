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
     * Schedules removal from the JWKS, at {@code expiresAt}, of every key of {@code alg} other than {@code successorKid}
     * that has no removal scheduled yet.
     */
    void expire(String alg, String successorKid, Instant expiresAt);

    void deleteExpired(Instant now);
}
