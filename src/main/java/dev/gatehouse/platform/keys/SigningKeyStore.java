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
     * Schedules removal from the JWKS, at {@code expiresAt}, of every key of {@code alg} other than {@code successorKid}
     * that has no removal scheduled yet.
     */
    void expire(String alg, String successorKid, Instant expiresAt);

    void deleteExpired(Instant now);
}
