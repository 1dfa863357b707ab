package dev.gatehouse.mfa;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.AuthService;
import dev.gatehouse.platform.crypto.Secrets;
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
            boolean current,
            String trustToken) {
        /** This device as the answer to trusting it: with the trust token, shown that once. */
        Device withTrustToken(String token) {
            return new Device(
                    id, userAgent, ip, firstSeenAt, lastSeenAt, activeSessions, trusted, trustedUntil, current, token);
        }
    }

    /**
     * A device just trusted. {@code trustToken} is shown this once: a sign-in skips the second factor only when it
     * presents it ({@code X-Device-Trust}, or the trust cookie a browser was given) beside the device id.
     */
    public record Trust(String deviceId, Instant trustedUntil, String trustToken) {}

    private static final Pattern DEVICE_ID = Pattern.compile("^[A-Za-z0-9_-]{8,64}$");
    private static final int SESSION_SCAN = 1000;

    private final Database db;
    private final JdbiMfaStore store;
    private final SessionService sessions;
    private final AuditLog audit;
    private final Secrets secrets;
    private final Clock clock;
    private final Duration trustFor;

    public DeviceService(
            Database db,
            JdbiMfaStore store,
            SessionService sessions,
            AuditLog audit,
            Secrets secrets,
            Clock clock,
            Duration trustFor) {
        this.db = db;
        this.store = store;
        this.sessions = sessions;
        this.audit = audit;
        this.secrets = secrets;
        this.clock = clock;
        this.trustFor = trustFor;
    }

    /** How long a trust lasts (the trust cookie's lifetime). */
    public Duration trustFor() {
        return trustFor;
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
                        currentDevice.map(id::equals).orElse(false),
                        null));
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

    /**
     * Trusts the device of the caller's session to skip the second factor for the configured number of days, and
     * answers the trust token it must show from now on. {@code named}: the device the call names, which must be that
     * one. The caller has checked that the session is recent ({@code RecentSignIn}); the session must also have passed
     * a second factor (or a passkey): otherwise a kept access token and the password would make a device that skips
     * the factor the account has.
     */
    public Trust trust(UUID userId, Optional<UUID> sessionId, Optional<String> named, RequestInfo info) {
        var session = sessionId
                .flatMap(sessions::find)
                .filter(s -> s.userId().equals(userId) && s.clientId().equals(AuthService.FIRST_PARTY_CLIENT))
                .orElseThrow(() -> Problem.notFound("The device"));
        String deviceId = named.orElse(session.deviceId());
        get(userId, deviceId, Optional.empty());
        if (!deviceId.equals(session.deviceId()))
            throw new Problem(
                    403,
                    "not_this_device",
                    "Forbidden",
                    "Only the device this sign-in was made on can be trusted; trust it from there",
                    null);
        if (!passedSecondFactor(session.authMethod()))
            throw new Problem(
                    403,
                    "second_factor_required",
                    "Forbidden",
                    "Trusting a device needs a sign-in that passed a second factor or used a passkey",
                    null);
        Instant now = clock.instant();
        Instant until = now.plus(trustFor);
        String token = secrets.token("gdt_");
        db.useTransaction(h -> {
            store.trust(h, userId, deviceId, Secrets.sha256(token), now, until);
            audit.record(
                    h,
                    AuditEvent.success("device.trusted", userId)
                            .details(Map.of("device_id", deviceId, "trusted_until", until.toString())),
                    info);
        });
        return new Trust(deviceId, until, token);
    }

    /** A session's sign-in passed a second step ({@code password+totp}, ...) or was a passkey's (all factors in one). */
    private static boolean passedSecondFactor(String authMethod) {
        return authMethod != null && (authMethod.contains("+") || authMethod.equals("passkey"));
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
