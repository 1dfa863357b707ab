package dev.gatehouse.login;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** SSO sessions, found by the SHA-256 of their cookie value. */
public final class JdbiSsoStore {
    public void insert(Handle h, SsoSession s, String tokenHash) {
        h.createUpdate("INSERT INTO sso_sessions (id, token_hash, user_id, auth_time, expires_at)"
                        + " VALUES (:id, :hash, :user, :auth, :exp)")
                .bind("id", s.id())
                .bind("hash", tokenHash)
                .bind("user", s.userId())
                .bind("auth", s.authTime())
                .bind("exp", s.expiresAt())
                .execute();
    }

    public Optional<SsoSession> active(Handle h, String tokenHash, Instant now) {
        return h.createQuery("SELECT id, user_id, auth_time, expires_at FROM sso_sessions"
                        + " WHERE token_hash = :hash AND ended_at IS NULL AND expires_at > :now")
                .bind("hash", tokenHash)
                .bind("now", now)
                .map((rs, ctx) -> new SsoSession(
                        rs.getObject("id", UUID.class),
                        rs.getObject("user_id", UUID.class),
                        rs.getObject("auth_time", OffsetDateTime.class).toInstant(),
                        rs.getObject("expires_at", OffsetDateTime.class).toInstant()))
                .findOne();
    }

    public void end(Handle h, String tokenHash, Instant now) {
        h.createUpdate("UPDATE sso_sessions SET ended_at = :now WHERE token_hash = :hash AND ended_at IS NULL")
                .bind("hash", tokenHash)
                .bind("now", now)
                .execute();
    }

    /** Deletes SSO sessions that expired before {@code now}; an expired cookie finds nothing either way. */
    public int deleteExpired(Handle h, Instant now) {
        return h.createUpdate("DELETE FROM sso_sessions WHERE expires_at < :now")
                .bind("now", now)
                .execute();
    }
}
