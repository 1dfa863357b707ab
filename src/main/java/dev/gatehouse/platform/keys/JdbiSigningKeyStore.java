package dev.gatehouse.platform.keys;

import dev.gatehouse.platform.db.Database;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;

public final class JdbiSigningKeyStore implements SigningKeyStore {
    private final Database db;

    public JdbiSigningKeyStore(Database db) {
        this.db = db;
    }

    @Override
    public List<Row> all() {
        return db.withHandle(h -> h.createQuery(
                        "SELECT kid, alg, public_jwk, private_jwk, created_at, activates_at, expires_at FROM signing_keys ORDER BY activates_at")
                .map((rs, ctx) -> new Row(
                        rs.getString("kid"),
                        rs.getString("alg"),
                        rs.getString("public_jwk"),
                        rs.getString("private_jwk"),
                        rs.getObject("created_at", java.time.OffsetDateTime.class)
                                .toInstant(),
                        rs.getObject("activates_at", java.time.OffsetDateTime.class)
                                .toInstant(),
                        java.util.Optional.ofNullable(rs.getObject("expires_at", java.time.OffsetDateTime.class))
                                .map(java.time.OffsetDateTime::toInstant)
                                .orElse(null)))
                .list());
    }

    @Override
    public void insert(Row r) {
        db.useTransaction(h -> insert(h, r));
    }

    @Override
    public boolean insertFirst(Row r) {
        return db.inTransaction(h -> {
            // Nodes wait here for each other (the row is made by migration V99); under READ COMMITTED the count below
            // then sees a key that the node before committed. No unique key can say "one per algorithm": a rotation
            // stores a second one.
            h.createQuery("SELECT name FROM cluster_locks WHERE name = 'signing_keys' FOR UPDATE")
                    .mapTo(String.class)
                    .one();
            long existing = h.createQuery("SELECT COUNT(*) FROM signing_keys WHERE alg = :alg")
                    .bind("alg", r.alg())
                    .mapTo(Long.class)
                    .one();
            if (existing > 0) return false;
            insert(h, r);
            return true;
        });
    }

    private static void insert(Handle h, Row r) {
        h.createUpdate(
                        "INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at, activates_at, expires_at)"
                                + " VALUES (:kid, :alg, :pub, :priv, :created, :activates, :expires)")
                .bind("kid", r.kid())
                .bind("alg", r.alg())
                .bind("pub", r.publicJwk())
                .bind("priv", r.sealedPrivateJwk())
                .bindByType("created", r.createdAt(), Instant.class)
                .bindByType("activates", r.activatesAt(), Instant.class)
                .bindByType("expires", r.expiresAt(), Instant.class)
                .execute();
    }

    @Override
    public void rotate(Row successor, Instant othersLeaveAt, java.util.function.Consumer<Handle> alsoInTransaction) {
        db.useTransaction(h -> {
            insert(h, successor);
            h.createUpdate("UPDATE signing_keys SET expires_at = :exp WHERE alg = :alg AND kid <> :successor"
                            + " AND (expires_at IS NULL OR expires_at > :exp)")
                    .bindByType("exp", othersLeaveAt, Instant.class)
                    .bind("alg", successor.alg())
                    .bind("successor", successor.kid())
                    .execute();
            alsoInTransaction.accept(h);
        });
    }

    @Override
    public void deleteExpired(Instant now) {
        db.useTransaction(
                h -> h.createUpdate("DELETE FROM signing_keys WHERE expires_at IS NOT NULL AND expires_at < :now")
                        .bind("now", now)
                        .execute());
    }
}
