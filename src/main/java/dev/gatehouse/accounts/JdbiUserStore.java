package dev.gatehouse.accounts;

import dev.gatehouse.platform.db.AlreadyExists;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.db.Writes;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

public final class JdbiUserStore implements UserStore {
    private static final String COLUMNS = "id, email, email_verified, password_hash, first_name, last_name, status,"
            + " password_change_required, created_at, updated_at, password_changed_at, last_login_at, profile_claims";

    @Override
    public Optional<User> byId(Handle h, UUID id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM users WHERE id = :id")
                .bind("id", id)
                .map(JdbiUserStore::map)
                .findOne();
    }

    @Override
    public Optional<User> byEmail(Handle h, String email) {
        return h.createQuery("SELECT " + COLUMNS + " FROM users WHERE email_normalized = :e")
                .bind("e", User.normalize(email))
                .map(JdbiUserStore::map)
                .findOne();
    }

    @Override
    public void insert(Handle h, User u) {
        try {
            h.createUpdate(
                            "INSERT INTO users (" + COLUMNS
                                    + ", email_normalized) VALUES (:id, :email, :verified, :hash,"
                                    + " :first, :last, :status, :pcr, :created, :updated, :pwchanged, :lastlogin, :profile, :norm)")
                    .bind("id", u.id())
                    .bind("email", u.email())
                    .bind("verified", u.emailVerified())
                    .bindByType("hash", u.passwordHash(), String.class)
                    .bindByType("first", u.firstName(), String.class)
                    .bindByType("last", u.lastName(), String.class)
                    .bind("status", u.status())
                    .bind("pcr", u.passwordChangeRequired())
                    .bind("created", u.createdAt())
                    .bind("updated", u.updatedAt())
                    .bindByType("pwchanged", u.passwordChangedAt(), Instant.class)
                    .bindByType("lastlogin", u.lastLoginAt(), Instant.class)
                    .bindByType("profile", u.profile().toJson(), String.class)
                    .bind("norm", User.normalize(u.email()))
                    .execute();
        } catch (RuntimeException e) {
            if (Database.isUniqueViolation(e)) throw new AlreadyExists("user");
            throw e;
        }
    }

    @Override
    public Optional<User> update(Handle h, UUID id, UnaryOperator<User> change) {
        Optional<User> current = lock(h, id);
        if (current.isEmpty()) return Optional.empty();
        User u = change.apply(current.get());
        try {
            write(h, id, u);
        } catch (RuntimeException e) {
            // An email change can collide with another account's address, just like an insert.
            if (Database.isUniqueViolation(e)) throw new AlreadyExists("user");
            throw e;
        }
        return Optional.of(u);
    }

    @Override
    public Optional<User> lock(Handle h, UUID id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM users WHERE id = :id FOR UPDATE")
                .bind("id", id)
                .map(JdbiUserStore::map)
                .findOne();
    }

    @Override
    public boolean rehash(Handle h, UUID id, String verified, String fresh) {
        // One statement: an UPDATE waiting for another transaction's lock on the row checks the condition again
        // against what that one committed, on PostgreSQL (READ COMMITTED) and H2 alike.
        return h.createUpdate("UPDATE users SET password_hash = :fresh WHERE id = :id AND password_hash = :verified")
                        .bind("fresh", fresh)
                        .bind("id", id)
                        .bind("verified", verified)
                        .execute()
                == 1;
    }

    private static void write(Handle h, UUID id, User u) {
        h.createUpdate("UPDATE users SET email = :email, email_normalized = :norm, email_verified = :verified,"
                        + " password_hash = :hash, first_name = :first, last_name = :last, status = :status,"
                        + " password_change_required = :pcr, updated_at = :updated, password_changed_at = :pwchanged,"
                        + " last_login_at = :lastlogin, profile_claims = :profile WHERE id = :id")
                .bind("id", id)
                .bind("email", u.email())
                .bind("norm", User.normalize(u.email()))
                .bind("verified", u.emailVerified())
                .bindByType("hash", u.passwordHash(), String.class)
                .bindByType("first", u.firstName(), String.class)
                .bindByType("last", u.lastName(), String.class)
                .bind("status", u.status())
                .bind("pcr", u.passwordChangeRequired())
                .bind("updated", u.updatedAt())
                .bindByType("pwchanged", u.passwordChangedAt(), Instant.class)
                .bindByType("lastlogin", u.lastLoginAt(), Instant.class)
                .bindByType("profile", u.profile().toJson(), String.class)
                .execute();
    }

    @Override
    public void touchLogin(Handle h, UUID id, Instant at) {
        Writes.later(h, "UPDATE users SET last_login_at = ? WHERE id = ?", at, id);
    }

    @Override
    public long count(Handle h) {
        return h.createQuery("SELECT COUNT(*) FROM users").mapTo(Long.class).one();
    }

    private static User map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new User(
                rs.getObject("id", UUID.class),
                rs.getString("email"),
                rs.getBoolean("email_verified"),
                rs.getString("password_hash"),
                rs.getString("first_name"),
                rs.getString("last_name"),
                rs.getString("status"),
                rs.getBoolean("password_change_required"),
                instant(rs, "created_at"),
                instant(rs, "updated_at"),
                instant(rs, "password_changed_at"),
                instant(rs, "last_login_at"),
                UserProfile.fromJson(rs.getString("profile_claims")));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
