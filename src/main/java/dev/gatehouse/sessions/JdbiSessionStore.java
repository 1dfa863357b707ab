package dev.gatehouse.sessions;

import dev.gatehouse.platform.db.Writes;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

public final class JdbiSessionStore implements SessionStore {
    private static final String COLUMNS = "id, user_id, device_id, client_id, auth_method, ip, user_agent, created_at,"
            + " last_used_at, expires_at, ended_at, end_reason";
    private static final String[] COLUMN_NAMES = COLUMNS.split(",\\s*");
    /** The session's columns in a query that joins it as {@code s}. */
    private static final String SESSION_COLUMNS = String.join(
            ", ", java.util.Arrays.stream(COLUMN_NAMES).map(c -> "s." + c).toList());
    /** The condition that a session's account is still active (not disabled or deleted since the sign-in). */
    private static final String ACCOUNT_ACTIVE =
            " AND EXISTS (SELECT 1 FROM users u WHERE u.id = sessions.user_id AND u.status = 'active')";

    @Override
    public void insert(Handle h, Session s) {
        Writes.later(
                h,
                "INSERT INTO sessions (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                s.id(),
                s.userId(),
                s.deviceId(),
                s.clientId(),
                s.authMethod(),
                s.ip(),
                s.userAgent(),
                s.createdAt(),
                s.lastUsedAt(),
                s.expiresAt());
    }

    @Override
    public Optional<Session> byId(Handle h, UUID id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM sessions WHERE id = :id")
                .bind("id", id)
                .map(JdbiSessionStore::map)
                .findOne();
    }

    @Override
    public Optional<Session> byIdOfActiveAccount(Handle h, UUID id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM sessions WHERE id = :id" + ACCOUNT_ACTIVE)
                .bind("id", id)
                .map(JdbiSessionStore::map)
                .findOne();
    }

    @Override
    public void addRefreshToken(Handle h, String hash, UUID sessionId, Instant createdAt, Instant expiresAt) {
        Writes.later(
                h,
                "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                hash,
                sessionId,
                createdAt,
                expiresAt);
    }

    @Override
    public Optional<LiveRefreshToken> liveRefreshToken(Handle h, String hash, Instant now) {
        return h.createQuery("SELECT " + SESSION_COLUMNS
                        + ", r.created_at AS token_created_at, r.expires_at AS token_expires_at FROM refresh_tokens r"
                        + " JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = :hash AND r.used_at IS NULL"
                        + " AND r.expires_at > :now AND s.ended_at IS NULL AND s.expires_at > :now"
                        + " AND EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id AND u.status = 'active')")
                .bind("hash", hash)
                .bind("now", now)
                .map((rs, ctx) -> new LiveRefreshToken(
                        map(rs, ctx),
                        rs.getObject("token_created_at", java.time.OffsetDateTime.class)
                                .toInstant(),
                        rs.getObject("token_expires_at", java.time.OffsetDateTime.class)
                                .toInstant()))
                .findOne();
    }

    @Override
    public ClaimResult claimRefreshToken(Handle h, String hash, Instant now) {
        // The winning claim returns its session id (RETURNING on PostgreSQL, generated keys on H2): one round trip.
        Optional<UUID> claimed = h.createUpdate("UPDATE refresh_tokens SET used_at = :now WHERE token_hash = :hash"
                        + " AND used_at IS NULL AND expires_at > :now")
                .bind("now", now)
                .bind("hash", hash)
                .executeAndReturnGeneratedKeys("session_id")
                .mapTo(UUID.class)
                .findOne();
        if (claimed.isPresent()) return new ClaimResult(Claim.CLAIMED, claimed.get());
        var row = h.createQuery("SELECT session_id, used_at, expires_at FROM refresh_tokens WHERE token_hash = :hash")
                .bind("hash", hash)
                .map((rs, c) -> new Object[] {
                    rs.getObject("session_id", UUID.class),
                    rs.getObject("used_at", OffsetDateTime.class),
                    rs.getObject("expires_at", OffsetDateTime.class)
                })
                .findOne();
        if (row.isEmpty()) return new ClaimResult(Claim.UNKNOWN, null);
        UUID sid = (UUID) row.get()[0];
        if (row.get()[1] != null) return new ClaimResult(Claim.ALREADY_USED, sid);
        return new ClaimResult(Claim.EXPIRED, sid);
    }

    @Override
    public Optional<RefreshTokenOwner> sessionOfRefreshToken(Handle h, String hash) {
        return h.createQuery("SELECT session_id, used_at FROM refresh_tokens WHERE token_hash = :hash")
                .bind("hash", hash)
                .map((rs, ctx) ->
                        new RefreshTokenOwner(rs.getObject("session_id", UUID.class), rs.getObject("used_at") != null))
                .findOne();
    }

    @Override
    public void touch(Handle h, UUID sessionId, Instant now) {
        h.createUpdate("UPDATE sessions SET last_used_at = :now WHERE id = :id")
                .bind("now", now)
                .bind("id", sessionId)
                .execute();
    }

    @Override
    public Optional<Session> touchIfActive(Handle h, UUID sessionId, Instant now) {
        // The update returns the row (RETURNING on PostgreSQL, generated keys on H2): one round trip, not a read and a
        // write. A session of an account disabled or deleted since its sign-in is not active.
        return h.createUpdate("UPDATE sessions SET last_used_at = :now WHERE id = :id AND ended_at IS NULL"
                        + " AND expires_at > :now"
                        + ACCOUNT_ACTIVE)
                .bind("now", now)
                .bind("id", sessionId)
                .executeAndReturnGeneratedKeys(COLUMN_NAMES)
                .map(JdbiSessionStore::map)
                .findOne();
    }

    @Override
    public boolean end(Handle h, UUID sessionId, Instant now, String reason) {
        return h.createUpdate(
                                "UPDATE sessions SET ended_at = :now, end_reason = :reason WHERE id = :id AND ended_at IS NULL")
                        .bind("now", now)
                        .bind("reason", reason)
                        .bind("id", sessionId)
                        .execute()
                == 1;
    }

    @Override
    public List<EndedSession> endAllForUser(Handle h, UUID userId, Optional<UUID> keep, Instant now, String reason) {
        // The account's row first, as a password sign-in's transaction locks it before its session commits: a sign-in
        // under way either committed its session before (ended below) or sees this transaction's change.
        var unused = h.createQuery("SELECT id FROM users WHERE id = :user FOR UPDATE")
                .bind("user", userId)
                .mapTo(UUID.class)
                .findOne();
        String except = keep.isPresent() ? " AND id <> :keep" : "";
        var select = h.createQuery(
                        "SELECT id, client_id FROM sessions WHERE user_id = :user AND ended_at IS NULL" + except)
                .bind("user", userId);
        keep.ifPresent(k -> select.bind("keep", k));
        List<EndedSession> open = select.map(
                        (rs, ctx) -> new EndedSession(rs.getObject("id", UUID.class), rs.getString("client_id")))
                .list();
        for (EndedSession s : open) end(h, s.id(), now, reason);
        return open;
    }

    @Override
    public List<UUID> endAllForClient(Handle h, UUID userId, String clientId, Instant now, String reason) {
        List<UUID> ids = h.createQuery(
                        "SELECT id FROM sessions WHERE user_id = :user AND client_id = :client AND ended_at IS NULL")
                .bind("user", userId)
                .bind("client", clientId)
                .mapTo(UUID.class)
                .list();
        for (UUID id : ids) end(h, id, now, reason);
        return ids;
    }

    @Override
    public List<UUID> endAllOfClient(Handle h, String clientId, Instant now, String reason) {
        List<UUID> ids = h.createQuery("SELECT id FROM sessions WHERE client_id = :client AND ended_at IS NULL")
                .bind("client", clientId)
                .mapTo(UUID.class)
                .list();
        for (UUID id : ids) end(h, id, now, reason);
        return ids;
    }

    @Override
    public int deleteExpiredRefreshTokens(Handle h, Instant now) {
        return h.createUpdate("DELETE FROM refresh_tokens WHERE expires_at < :now")
                .bind("now", now)
                .execute();
    }

    @Override
    public List<Session> listActive(Handle h, UUID userId, Instant now, int limit, int offset) {
        return h.createQuery("SELECT " + COLUMNS + " FROM sessions WHERE user_id = :user AND ended_at IS NULL"
                        + " AND expires_at > :now ORDER BY last_used_at DESC, id LIMIT :limit OFFSET :offset")
                .bind("user", userId)
                .bind("now", now)
                .bind("limit", limit)
                .bind("offset", offset)
                .map(JdbiSessionStore::map)
                .list();
    }

    @Override
    public List<Session> listAll(Handle h, UUID userId, int limit, int offset) {
        return h.createQuery("SELECT " + COLUMNS + " FROM sessions WHERE user_id = :user"
                        + " ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset")
                .bind("user", userId)
                .bind("limit", limit)
                .bind("offset", offset)
                .map(JdbiSessionStore::map)
                .list();
    }

    private static Session map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Session(
                rs.getObject("id", UUID.class),
                rs.getObject("user_id", UUID.class),
                rs.getString("device_id"),
                rs.getString("client_id"),
                rs.getString("auth_method"),
                rs.getString("ip"),
                rs.getString("user_agent"),
                instant(rs, "created_at"),
                instant(rs, "last_used_at"),
                instant(rs, "expires_at"),
                instant(rs, "ended_at"),
                rs.getString("end_reason"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
