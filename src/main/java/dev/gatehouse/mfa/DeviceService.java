package dev.gatehouse.mfa;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.AuthService;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.sessions.SessionService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A user's devices: each device id that carried one of the user's sessions of the {@code /v1} API, with its newest
 * session's address and browser, and whether it is trusted to skip the second factor. Removing a device ends its
 * sessions. The sessions of OAuth clients are not a device's: their address and browser are the client's own server,
 * and the account page lists them as applications (and the browsers they were signed in from).
 */
public final class DeviceService {
    public record Device(
            String id,
            String userAgent,
            String ip,
            Instant firstSeenAt,
            Instant lastSeenAt,
            int activeSessions,
            boolean trusted,
            Instant trustedUntil,
            boolean current) {}

    public record Trust(String deviceId, Instant trustedUntil) {}

    private static final Pattern DEVICE_ID = Pattern.compile("^[A-Za-z0-9_-]{8,64}$");
    private static final int SESSION_SCAN = 1000;

    private final Database db;
    private final JdbiMfaStore store;
    private final SessionService sessions;
    private final AuditLog audit;
    private final Clock clock;
    private final Duration trustFor;

    public DeviceService(
            Database db, JdbiMfaStore store, SessionService sessions, AuditLog audit, Clock clock, Duration trustFor) {
        this.db = db;
        this.store = store;
        this.sessions = sessions;
        this.audit = audit;
        this.clock = clock;
        this.trustFor = trustFor;
    }

    /** The device of the caller's own session, for calls that act on "this device" without naming one. */
    public Optional<String> deviceOfSession(Optional<UUID> sessionId) {
        return sessionId.flatMap(sessions::find).map(s -> s.deviceId());
    }

    public List<Device> list(UUID userId, Optional<String> currentDevice) {
        return db.withHandle(h -> {
            Instant now = clock.instant();
            var trusted = new HashMap<String, JdbiMfaStore.TrustedDevice>();
            for (var t : store.trustedDevices(h, userId, now)) trusted.put(t.deviceId(), t);
            var byDevice = new LinkedHashMap<String, List<JdbiMfaStore.DeviceSession>>();
            for (var s : store.deviceSessions(h, userId, AuthService.FIRST_PARTY_CLIENT, now, SESSION_SCAN))
                byDevice.computeIfAbsent(s.deviceId(), k -> new ArrayList<>()).add(s);
            var out = new ArrayList<Device>();
            byDevice.forEach((id, list) -> {
                var newest = list.getFirst();
                Instant first = list.stream()
                        .map(JdbiMfaStore.DeviceSession::createdAt)
                        .min(Instant::compareTo)
                        .orElseThrow();
                int active = (int)
                        list.stream().filter(JdbiMfaStore.DeviceSession::active).count();
                var t = trusted.get(id);
                out.add(new Device(
                        id,
                        newest.userAgent(),
                        newest.ip(),
                        first,
                        newest.lastUsedAt(),
                        active,
                        t != null,
                        t == null ? null : t.trustedUntil(),
                        currentDevice.map(id::equals).orElse(false)));
            });
            return out;
        });
    }

    public Device get(UUID userId, String deviceId, Optional<String> currentDevice) {
        if (deviceId == null || !DEVICE_ID.matcher(deviceId).matches()) throw Problem.notFound("The device");
        return list(userId, currentDevice).stream()
                .filter(d -> d.id().equals(deviceId))
                .findFirst()
                .orElseThrow(() -> Problem.notFound("The device"));
    }

    /** Trusts one of the user's devices to skip the second factor for the configured number of days. */
    public Trust trust(UUID userId, String deviceId, RequestInfo info) {
        get(userId, deviceId, Optional.empty());
        Instant now = clock.instant();
        Instant until = now.plus(trustFor);
        db.useTransaction(h -> {
            store.trust(h, userId, deviceId, now, until);
            audit.record(
                    h,
                    AuditEvent.success("device.trusted", userId)
                            .details(Map.of("device_id", deviceId, "trusted_until", until.toString())),
                    info);
        });
        return new Trust(deviceId, until);
    }

    public void untrust(UUID userId, String deviceId, RequestInfo info) {
        get(userId, deviceId, Optional.empty());
        db.useTransaction(h -> {
            if (store.untrust(h, userId, deviceId))
                audit.record(
                        h, AuditEvent.success("device.untrusted", userId).details(Map.of("device_id", deviceId)), info);
        });
    }

    /** Forgets a device: its trust ends and so do its sessions (the tokens of those sessions stop working). */
    public int remove(UUID userId, String deviceId, RequestInfo info) {
        get(userId, deviceId, Optional.empty());
        return db.inTransaction(h -> {
            Instant now = clock.instant();
            int ended = 0;
            for (var s : store.deviceSessions(h, userId, AuthService.FIRST_PARTY_CLIENT, now, SESSION_SCAN))
                if (s.deviceId().equals(deviceId) && s.active() && sessions.end(h, s.sessionId(), "device_removed"))
                    ended++;
            store.untrust(h, userId, deviceId);
            audit.record(
                    h,
                    AuditEvent.success("device.removed", userId)
                            .details(Map.of("device_id", deviceId, "sessions_ended", ended)),
                    info);
            return ended;
        });
    }
}
