package dev.gatehouse.testkit;

import dev.gatehouse.platform.db.Database;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A fresh {@link TestDatabase} with the production migrations applied and a small pool open on it: the ground for
 * store contract tests, which talk to the real schema of the engine under test.
 */
public final class MigratedDatabase implements AutoCloseable {
    private final TestDatabase schema;
    private final Database db;

    private MigratedDatabase(TestDatabase schema) {
        this.schema = schema;
        this.db = Database.open(schema.url(), Optional.of(schema.user()), Optional.empty(), 4);
        db.migrate();
    }

    public static MigratedDatabase create() {
        return new MigratedDatabase(TestDatabase.create());
    }

    public Database db() {
        return db;
    }

    public String engine() {
        return schema.engine();
    }

    /**
     * Inserts a bare account row with plain SQL, for stores whose rows reference a user. Tests of other features use
     * this instead of the accounts store, which only its own package may touch.
     */
    public UUID insertUser(String email) {
        UUID id = UUID.randomUUID();
        Instant created = Instant.parse("2020-01-01T00:00:00Z");
        db.useTransaction(h -> h.createUpdate("INSERT INTO users (id, email, email_normalized, created_at, updated_at)"
                        + " VALUES (:id, :email, :norm, :at, :at)")
                .bind("id", id)
                .bind("email", email)
                .bind("norm", email.toLowerCase(java.util.Locale.ROOT))
                .bind("at", created)
                .execute());
        return id;
    }

    @Override
    public void close() {
        db.close();
        schema.close();
    }
}
