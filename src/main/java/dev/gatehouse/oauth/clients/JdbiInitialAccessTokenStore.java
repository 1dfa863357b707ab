package dev.gatehouse.oauth.clients;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** RFC 7591 initial access tokens, found by the SHA-256 of the token. */
public final class JdbiInitialAccessTokenStore {
    public record Row(
            UUID id,
            String tokenHash,
            String description,
            String scope,
            int maxUses,
            int uses,
            UUID createdBy,
            Instant createdAt,
            Instant expiresAt) {}

    private static final String COLUMNS =
            "id, token_hash, description, scope, max_uses, uses, created_by, created_at, expires_at";

    public void insert(Handle h, Row r) {
        h.createUpdate("INSERT INTO initial_access_tokens (" + COLUMNS + ") VALUES (:id, :tokenHash, :description,"
                        + " :scope, :maxUses, :uses, :createdBy, :createdAt, :expiresAt)")
                .bind("id", r.id())
                .bind("tokenHash", r.tokenHash())
                .bind("description", r.description())
                .bind("scope", r.scope())
                .bind("maxUses", r.maxUses())
                .bind("uses", r.uses())
                .bind("createdBy", r.createdBy())
                .bind("createdAt", r.createdAt())
                .bind("expiresAt", r.expiresAt())
                .execute();
    }

    /** The token with this hash while it can still register a client at {@code now}. */
    public Optional<Row> usable(Handle h, String tokenHash, Instant now) {
        return h.createQuery("SELECT " + COLUMNS + " FROM initial_access_tokens WHERE token_hash = :hash"
                        + " AND expires_at > :now AND uses < max_uses")
                .bind("hash", tokenHash)
                .bind("now", now)
                .map(JdbiInitialAccessTokenStore::map)
                .findOne();
    }

    /** Spends one use of the token, if it still has one at {@code now}; false when it has none (or is gone). */
    public boolean spend(Handle h, UUID id, Instant now) {
        return h.createUpdate("UPDATE initial_access_tokens SET uses = uses + 1 WHERE id = :id AND expires_at > :now"
                                + " AND uses < max_uses")
                        .bind("id", id)
                        .bind("now", now)
                        .execute()
                == 1;
    }

    /** Every token not yet expired at {@code now}, newest first. */
    public List<Row> unexpired(Handle h, Instant now) {
        return h.createQuery("SELECT " + COLUMNS + " FROM initial_access_tokens WHERE expires_at > :now"
                        + " ORDER BY created_at DESC, id")
                .bind("now", now)
                .map(JdbiInitialAccessTokenStore::map)
                .list();
    }

    public boolean delete(Handle h, UUID id) {
        return h.createUpdate("DELETE FROM initial_access_tokens WHERE id = :id")
                        .bind("id", id)
                        .execute()
                == 1;
    }

    /** Deletes the tokens that expired before {@code before}. */
    public int deleteExpired(Handle h, Instant before) {
        return h.createUpdate("DELETE FROM initial_access_tokens WHERE expires_at < :before")
                .bind("before", before)
                .execute();
    }

    private static Row map(java.sql.ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx)
            throws java.sql.SQLException {
        return new Row(
                rs.getObject("id", UUID.class),
                rs.getString("token_hash"),
                rs.getString("description"),
                rs.getString("scope"),
                rs.getInt("max_uses"),
                rs.getInt("uses"),
                rs.getObject("created_by", UUID.class),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                rs.getObject("expires_at", OffsetDateTime.class).toInstant());
    }
}
