package dev.gatehouse.oauth.authorize;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Pushed authorization requests (RFC 9126), keyed by the SHA-256 of the request_uri's random part. */
public final class JdbiParStore {
    /** A stored request: the form parameters exactly as pushed (client authentication removed). */
    public record Row(
            String clientId,
            String params,
            Instant expiresAt,
            Optional<Instant> startedAt,
            Optional<Instant> reauthAfter,
            Optional<Instant> consumedAt) {}

    public void insert(Handle h, String hash, String clientId, String params, Instant now, Instant expiresAt) {
        h.createUpdate("INSERT INTO pushed_authorization_requests (request_hash, client_id, params, created_at,"
                        + " expires_at) VALUES (:hash, :client, :params, :now, :exp)")
                .bind("hash", hash)
                .bind("client", clientId)
                .bind("params", params)
                .bind("now", now)
                .bind("exp", expiresAt)
                .execute();
    }

    public Optional<Row> byHash(Handle h, String hash) {
        return h.createQuery("SELECT client_id, params, expires_at, started_at, reauth_after, consumed_at"
                        + " FROM pushed_authorization_requests WHERE request_hash = :hash")
                .bind("hash", hash)
                .map((rs, ctx) -> new Row(
                        rs.getString("client_id"),
                        rs.getString("params"),
                        rs.getObject("expires_at", OffsetDateTime.class).toInstant(),
                        instant(rs.getObject("started_at", OffsetDateTime.class)),
                        instant(rs.getObject("reauth_after", OffsetDateTime.class)),
                        instant(rs.getObject("consumed_at", OffsetDateTime.class))))
                .findOne();
    }

    private static Optional<Instant> instant(OffsetDateTime t) {
        return Optional.ofNullable(t).map(OffsetDateTime::toInstant);
    }

    /** Records the first presentation at the authorization endpoint; later ones keep the first time. */
    public void start(Handle h, String hash, Instant now) {
        h.createUpdate("UPDATE pushed_authorization_requests SET started_at = :now"
                        + " WHERE request_hash = :hash AND started_at IS NULL")
                .bind("hash", hash)
                .bind("now", now)
                .execute();
    }

    /** The user was sent to sign in again at {@code now}: only a sign-in after it satisfies the request. */
    public void requireReauthentication(Handle h, String hash, Instant now) {
        h.createUpdate("UPDATE pushed_authorization_requests SET reauth_after = :now WHERE request_hash = :hash")
                .bind("hash", hash)
                .bind("now", now)
                .execute();
    }

    /** Spends the request; true only for the one caller that got there first. */
    public boolean consume(Handle h, String hash, Instant now) {
        return h.createUpdate("UPDATE pushed_authorization_requests SET consumed_at = :now"
                                + " WHERE request_hash = :hash AND consumed_at IS NULL")
                        .bind("hash", hash)
                        .bind("now", now)
                        .execute()
                == 1;
    }

    /** Deletes the requests that expired before {@code cutoff}; returns how many. */
    public int deleteExpired(Handle h, Instant cutoff) {
        return h.createUpdate("DELETE FROM pushed_authorization_requests WHERE expires_at < :cutoff")
                .bind("cutoff", cutoff)
                .execute();
    }
}
