package dev.gatehouse.login;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** SSO sessions, found by the SHA-256 of their cookie value. */
public final class JdbiSsoStore {
    /**
     * A new session, used at {@code now} (its sign-in, or a sign-in going on in it), in the browser of {@code ip} and
     * {@code userAgent} (either may be null).
     */
    public void insert(Handle h, SsoSession s, String tokenHash, Instant now, String ip, String userAgent) {
        h.createUpdate("INSERT INTO sso_sessions (id, token_hash, user_id, auth_time, expires_at, amr, last_used_at,"
                        + " ip, user_agent) VALUES (:id, :hash, :user, :auth, :exp, :amr, :now, :ip, :ua)")
                .bind("now", now)
                .bind("ip", ip)
                .bind("ua", userAgent)
                .bind("id", s.id())
                .bind("hash", tokenHash)
                .bind("user", s.userId())
                .bind("auth", s.authTime())
                .bind("exp", s.expiresAt())
                .bind("amr", String.join(" ", s.amr()))
                .execute();
    }

    /**
     * A sign-in completed again on top of an open session (signing in again, or a step-up): the same session, so its
     * {@code sid} and the clients that took part stay, with the new methods, the sign-in time {@code authTime} (a
     * step-up keeps the session's own) and a new cookie token, so a token known before (a planted cookie) does not gain
     * the stronger sign-in. False when the session is not open or belongs to someone else.
     */
    public boolean upgrade(
            Handle h,
            UUID id,
            UUID userId,
            String newTokenHash,
            java.util.List<String> amr,
            Instant authTime,
            Instant now) {
        return h.createUpdate(
                                "UPDATE sso_sessions SET token_hash = :hash, amr = :amr, auth_time = :auth,"
                                        + " last_used_at = :now WHERE id = :id AND user_id = :user AND ended_at IS NULL AND expires_at > :now")
                        .bind("hash", newTokenHash)
                        .bind("amr", String.join(" ", amr))
                        .bind("auth", authTime)
                        .bind("now", now)
                        .bind("id", id)
                        .bind("user", userId)
                        .execute()
                == 1;
    }

    /**
     * The open, unexpired session with this token hash, used after {@code usedSince}, when its account is active too: a
     * session of an account disabled or deleted since its sign-in signs nothing in any more (same round trip, by the
     * users table's key).
     */
    public Optional<SsoSession> active(Handle h, String tokenHash, Instant now, Instant usedSince) {
        return h.createQuery("SELECT s.id, s.user_id, s.auth_time, s.expires_at, s.amr FROM sso_sessions s"
                        + " JOIN users u ON u.id = s.user_id AND u.status = 'active'"
                        + " WHERE s.token_hash = :hash AND s.ended_at IS NULL AND s.expires_at > :now"
                        + " AND COALESCE(s.last_used_at, s.auth_time) > :since")
                .bind("hash", tokenHash)
                .bind("now", now)
                .bind("since", usedSince)
                .map(JdbiSsoStore::map)
                .findOne();
    }

    /** Records a use of the session at {@code now}, unless one after {@code since} is recorded already. */
    public void touch(Handle h, UUID id, Instant now, Instant since) {
        h.createUpdate("UPDATE sso_sessions SET last_used_at = :now WHERE id = :id AND ended_at IS NULL"
                        + " AND (last_used_at IS NULL OR last_used_at < :since)")
                .bind("now", now)
                .bind("id", id)
                .bind("since", since)
                .execute();
    }

    /** The open, unexpired session with this token hash, whatever its account's state: for ending it. */
    public Optional<SsoSession> open(Handle h, String tokenHash, Instant now) {
        return h.createQuery("SELECT id, user_id, auth_time, expires_at, amr FROM sso_sessions"
                        + " WHERE token_hash = :hash AND ended_at IS NULL AND expires_at > :now")
                .bind("hash", tokenHash)
                .bind("now", now)
                .map(JdbiSsoStore::map)
                .findOne();
    }

    /** A signed-in browser as the account page lists it. */
    public record BrowserRow(
            UUID id, Instant authTime, Instant lastUsedAt, java.util.List<String> amr, String ip, String userAgent) {}

    /**
     * The account's open sessions that {@link #active} would still find, most recently used first, at most
     * {@code limit}.
     */
    public java.util.List<BrowserRow> openOfUser(Handle h, UUID userId, Instant now, Instant usedSince, int limit) {
        return h.createQuery("SELECT id, auth_time, last_used_at, amr, ip, user_agent FROM sso_sessions"
                        + " WHERE user_id = :user AND ended_at IS NULL AND expires_at > :now"
                        + " AND COALESCE(last_used_at, auth_time) > :since"
                        + " ORDER BY COALESCE(last_used_at, auth_time) DESC, id LIMIT :limit")
                .bind("user", userId)
                .bind("now", now)
                .bind("since", usedSince)
                .bind("limit", limit)
                .map((rs, ctx) -> {
                    Instant auth =
                            rs.getObject("auth_time", OffsetDateTime.class).toInstant();
                    var used = rs.getObject("last_used_at", OffsetDateTime.class);
                    return new BrowserRow(
                            rs.getObject("id", UUID.class),
                            auth,
                            used == null ? auth : used.toInstant(),
                            java.util.List.of(rs.getString("amr").split(" ")),
                            rs.getString("ip"),
                            rs.getString("user_agent"));
                })
                .list();
    }

    /** The account's open, unexpired session with this id, whatever its last use: for ending it. */
    public Optional<SsoSession> openById(Handle h, UUID id, UUID userId, Instant now) {
        return h.createQuery("SELECT id, user_id, auth_time, expires_at, amr FROM sso_sessions"
                        + " WHERE id = :id AND user_id = :user AND ended_at IS NULL AND expires_at > :now")
                .bind("id", id)
                .bind("user", userId)
                .bind("now", now)
                .map(JdbiSsoStore::map)
                .findOne();
    }

    private static SsoSession map(java.sql.ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx)
            throws java.sql.SQLException {
        return new SsoSession(
                rs.getObject("id", UUID.class),
                rs.getObject("user_id", UUID.class),
                rs.getObject("auth_time", OffsetDateTime.class).toInstant(),
                rs.getObject("expires_at", OffsetDateTime.class).toInstant(),
                java.util.List.of(rs.getString("amr").split(" ")));
    }

    public void end(Handle h, String tokenHash, Instant now) {
        h.createUpdate("UPDATE sso_sessions SET ended_at = :now WHERE token_hash = :hash AND ended_at IS NULL")
                .bind("hash", tokenHash)
                .bind("now", now)
                .execute();
    }

    /** Ends the session with this id; true when it was still open. */
    public boolean endById(Handle h, UUID id, Instant now) {
        return h.createUpdate("UPDATE sso_sessions SET ended_at = :now WHERE id = :id AND ended_at IS NULL")
                        .bind("id", id)
                        .bind("now", now)
                        .execute()
                == 1;
    }

    /** Ends every open session of the account; returns their ids. */
    public java.util.List<UUID> endAllOfUser(Handle h, UUID userId, Instant now) {
        return h.createUpdate("UPDATE sso_sessions SET ended_at = :now WHERE user_id = :user AND ended_at IS NULL")
                .bind("user", userId)
                .bind("now", now)
                .executeAndReturnGeneratedKeys("id")
                .mapTo(UUID.class)
                .list();
    }

    /** Deletes SSO sessions that expired before {@code now}; an expired cookie finds nothing either way. */
    public int deleteExpired(Handle h, Instant now) {
        return h.createUpdate("DELETE FROM sso_sessions WHERE expires_at < :now")
                .bind("now", now)
                .execute();
    }
}
