package dev.gatehouse.oauth.device;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** Device authorizations, keyed by the SHA-256 of the device code and found by the SHA-256 of the user code. */
public final class JdbiDeviceStore {
    private static final String COLUMNS = "client_id, scope, resource, status, interval_seconds, expires_at,"
            + " last_polled_at, user_id, auth_time, session_id, amr";

    public void insert(Handle h, String deviceHash, String userHash, DeviceGrant g, Instant now) {
        h.createUpdate("INSERT INTO device_codes (device_code_hash, user_code_hash, client_id, scope, resource,"
                        + " status, interval_seconds, created_at, expires_at)"
                        + " VALUES (:device, :user, :client, :scope, :resource, :status, :interval, :now, :exp)")
                .bind("device", deviceHash)
                .bind("user", userHash)
                .bind("client", g.clientId())
                .bind("scope", String.join(" ", g.scope()))
                .bind("resource", g.resources().isEmpty() ? null : String.join(" ", g.resources()))
                .bind("status", g.status().name().toLowerCase(Locale.ROOT))
                .bind("interval", g.intervalSeconds())
                .bind("now", now)
                .bind("exp", g.expiresAt())
                .execute();
    }

    /** Forgets codes that expired before {@code cutoff} without being redeemed (a redeemed row records a grant). */
    public int purgeExpired(Handle h, Instant cutoff) {
        return h.createUpdate("DELETE FROM device_codes WHERE expires_at < :cutoff AND session_id IS NULL")
                .bind("cutoff", cutoff)
                .execute();
    }

    public boolean userCodeTaken(Handle h, String userHash) {
        return h.createQuery("SELECT COUNT(*) FROM device_codes WHERE user_code_hash = :user")
                        .bind("user", userHash)
                        .mapTo(Integer.class)
                        .one()
                > 0;
    }

    /** The grant, its row locked until the transaction ends, so concurrent polls see each other's writes. */
    public Optional<DeviceGrant> lockByDeviceCode(Handle h, String deviceHash) {
        return h.createQuery("SELECT " + COLUMNS + " FROM device_codes WHERE device_code_hash = :device FOR UPDATE")
                .bind("device", deviceHash)
                .map(JdbiDeviceStore::map)
                .findOne();
    }

    public Optional<DeviceGrant> byUserCode(Handle h, String userHash) {
        return h.createQuery("SELECT " + COLUMNS + " FROM device_codes WHERE user_code_hash = :user")
                .bind("user", userHash)
                .map(JdbiDeviceStore::map)
                .findOne();
    }

    public Optional<DeviceGrant> bySession(Handle h, UUID sessionId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM device_codes WHERE session_id = :sid")
                .bind("sid", sessionId)
                .map(JdbiDeviceStore::map)
                .findFirst();
    }

    public void polled(Handle h, String deviceHash, Instant now, int intervalSeconds) {
        h.createUpdate("UPDATE device_codes SET last_polled_at = :now, interval_seconds = :interval"
                        + " WHERE device_code_hash = :device")
                .bind("device", deviceHash)
                .bind("now", now)
                .bind("interval", intervalSeconds)
                .execute();
    }

    /** Records the user's decision on a grant still pending and unexpired; false when it was not. */
    public boolean decide(
            Handle h,
            String userHash,
            DeviceGrant.Status status,
            UUID userId,
            Instant authTime,
            List<String> amr,
            Instant now) {
        return h.createUpdate("UPDATE device_codes SET status = :status, user_id = :uid, auth_time = :auth, amr = :amr,"
                                + " decided_at = :now WHERE user_code_hash = :user AND status = 'pending'"
                                + " AND expires_at > :now")
                        .bind("status", status.name().toLowerCase(Locale.ROOT))
                        .bind("uid", userId)
                        .bind("auth", authTime)
                        .bind("amr", String.join(" ", amr))
                        .bind("now", now)
                        .bind("user", userHash)
                        .execute()
                == 1;
    }

    /** Turns the account's approved, not yet redeemed grants into denied ones; returns how many. */
    public int withdrawApproved(Handle h, UUID userId) {
        return h.createUpdate("UPDATE device_codes SET status = 'denied' WHERE user_id = :uid AND status = 'approved'")
                .bind("uid", userId)
                .execute();
    }

    /** Turns the client's pending and approved, not yet redeemed grants into denied ones; returns how many. */
    public int withdrawUnredeemedOfClient(Handle h, String clientId) {
        return h.createUpdate("UPDATE device_codes SET status = 'denied' WHERE client_id = :cid"
                        + " AND status IN ('pending', 'approved')")
                .bind("cid", clientId)
                .execute();
    }

    public void redeemed(Handle h, String deviceHash, UUID sessionId) {
        h.createUpdate("UPDATE device_codes SET status = 'redeemed', session_id = :sid"
                        + " WHERE device_code_hash = :device")
                .bind("device", deviceHash)
                .bind("sid", sessionId)
                .execute();
    }

    private static DeviceGrant map(ResultSet rs, StatementContext ctx) throws SQLException {
        String scope = rs.getString("scope");
        String resource = rs.getString("resource");
        Set<String> scopes = scope.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(scope.split(" ")));
        return new DeviceGrant(
                rs.getString("client_id"),
                scopes,
                resource == null ? List.of() : List.of(resource.split(" ")),
                DeviceGrant.Status.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
                rs.getInt("interval_seconds"),
                instant(rs, "expires_at").orElseThrow(),
                instant(rs, "last_polled_at"),
                Optional.ofNullable(rs.getObject("user_id", UUID.class)),
                instant(rs, "auth_time"),
                Optional.ofNullable(rs.getObject("session_id", UUID.class)),
                Optional.ofNullable(rs.getString("amr"))
                        .map(a -> List.of(a.split(" ")))
                        .orElse(List.of("pwd")));
    }

    private static Optional<Instant> instant(ResultSet rs, String column) throws SQLException {
        return Optional.ofNullable(rs.getObject(column, OffsetDateTime.class)).map(OffsetDateTime::toInstant);
    }
}
