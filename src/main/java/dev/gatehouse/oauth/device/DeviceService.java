package dev.gatehouse.oauth.device;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.oauth.clients.ResourcePolicy;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.sessions.SessionService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The device authorization grant (RFC 8628): a device gets a device code to poll with and a short user code the user
 * types at {@code /device} on another screen. The user code uses 20 consonants without look-alikes (§6.1), 8 of them,
 * about 34 bits; it lives 10 minutes and the page that takes it is rate limited, so guessing one is hopeless. Polling
 * faster than the interval answers {@code slow_down} and adds 5 seconds to the interval for good (§3.5).
 */
public final class DeviceService {
    public static final Duration TTL = Duration.ofMinutes(10);
    public static final int INTERVAL_SECONDS = 5;
    static final String ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
    static final int USER_CODE_LENGTH = 8;

    public record Started(String deviceCode, String userCode, long expiresIn, int interval) {}

    /** A grant waiting for the user, as the /device page shows it. */
    public record Pending(OAuthClient client, Set<String> scope) {}

    /** A grant the user approved, now redeemed once: the session its tokens belong to. */
    public record Redeemed(DeviceGrant grant, UUID sessionId, String refreshToken) {}

    private sealed interface Poll {
        record Ok(Redeemed redeemed) implements Poll {}

        record Refused(OAuthError error) implements Poll {}
    }

    private final Database db;
    private final JdbiDeviceStore store;
    private final ClientService clients;
    private final SessionService sessions;
    private final AuditLog audit;
    private final Secrets secrets;
    private final Clock clock;
    private final ScopeService scopes;

    private final ResourcePolicy resourcePolicy;

    public DeviceService(
            Database db,
            JdbiDeviceStore store,
            ClientService clients,
            SessionService sessions,
            AuditLog audit,
            Secrets secrets,
            Clock clock,
            ScopeService scopes,
            ResourcePolicy resourcePolicy) {
        this.scopes = scopes;
        this.resourcePolicy = resourcePolicy;
        this.db = db;
        this.store = store;
        this.clients = clients;
        this.sessions = sessions;
        this.audit = audit;
        this.secrets = secrets;
        this.clock = clock;
    }

    /** RFC 8628 §3.1–3.2 for an authenticated client registered for the device grant. */
    public Started start(OAuthClient client, Set<String> requested, List<String> resources, RequestInfo info) {
        Set<String> scope = scopes.forUser(client, requested)
                .orElseThrow(() -> OAuthError.invalidScope("the client may not request this scope"));
        resourcePolicy.problem(client, resources).ifPresent(p -> {
            throw OAuthError.invalidTarget(p);
        });
        Instant now = clock.instant();
        String deviceCode = secrets.token("dc_");
        var grant = new DeviceGrant(
                client.clientId(),
                scope,
                List.copyOf(resources),
                DeviceGrant.Status.PENDING,
                INTERVAL_SECONDS,
                now.plus(TTL),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
        String userCode = db.inTransaction(h -> {
            String code;
            do code = newUserCode();
            while (store.userCodeTaken(h, Secrets.sha256(code)));
            store.insert(h, Secrets.sha256(deviceCode), Secrets.sha256(code), grant, now);
            audit.record(
                    h,
                    AuditEvent.success("oauth.device_authorization", null)
                            .details(Map.of("client_id", client.clientId(), "scope", String.join(" ", scope))),
                    info);
            return code;
        });
        return new Started(deviceCode, format(userCode), TTL.toSeconds(), INTERVAL_SECONDS);
    }

    private String newUserCode() {
        var b = new StringBuilder(USER_CODE_LENGTH);
        while (b.length() < USER_CODE_LENGTH) {
            for (byte x : secrets.bytes(16)) {
                int v = x & 0xFF;
                // 240 = 12 × 20: values above it would favour the first letters.
                if (v < 240 && b.length() < USER_CODE_LENGTH) b.append(ALPHABET.charAt(v % ALPHABET.length()));
            }
        }
        return b.toString();
    }

    /** XXXX-XXXX, as shown to the user. */
    public static String format(String code) {
        return code.substring(0, 4) + "-" + code.substring(4);
    }

    /** What the user typed, without case, dashes or spaces (§6.1); empty when it cannot be a user code. */
    public static Optional<String> normalize(String input) {
        if (input == null || input.length() > 32) return Optional.empty();
        String code = input.toUpperCase(Locale.ROOT).replaceAll("[\\s-]", "");
        if (code.length() != USER_CODE_LENGTH) return Optional.empty();
        for (int i = 0; i < code.length(); i++) if (ALPHABET.indexOf(code.charAt(i)) < 0) return Optional.empty();
        return Optional.of(code);
    }

    /** The pending, unexpired grant behind a user code, for the confirmation page. */
    public Optional<Pending> pending(String userCode) {
        Optional<String> code = normalize(userCode);
        if (code.isEmpty()) return Optional.empty();
        Instant now = clock.instant();
        return db.withHandle(h -> store.byUserCode(h, Secrets.sha256(code.get())))
                .filter(g -> g.status() == DeviceGrant.Status.PENDING
                        && g.expiresAt().isAfter(now))
                .flatMap(g -> clients.find(g.clientId()).map(c -> new Pending(c, g.scope())));
    }

    /** The signed-in user approves or denies; false when the code is unknown, expired or already decided. */
    public boolean decide(
            String userCode, UUID userId, Instant authTime, List<String> amr, boolean approve, RequestInfo info) {
        Optional<String> code = normalize(userCode);
        if (code.isEmpty()) return false;
        String hash = Secrets.sha256(code.get());
        Instant now = clock.instant();
        return db.inTransaction(h -> {
            var status = approve ? DeviceGrant.Status.APPROVED : DeviceGrant.Status.DENIED;
            if (!store.decide(h, hash, status, userId, authTime, amr, now)) return false;
            String clientId =
                    store.byUserCode(h, hash).map(DeviceGrant::clientId).orElse("");
            audit.record(
                    h,
                    AuditEvent.success(approve ? "oauth.device_approved" : "oauth.device_denied", userId)
                            .details(Map.of("client_id", clientId)),
                    info);
            return true;
        });
    }

    /**
     * Inside the caller's transaction, withdraws the approvals the account gave that no device has redeemed yet: when
     * every session of the account ends, a device that polls afterwards is told {@code access_denied}.
     */
    public int withdrawApproved(org.jdbi.v3.core.Handle h, UUID userId) {
        return store.withdrawApproved(h, userId);
    }

    /**
     * Inside the caller's transaction, denies the client's device codes that no device has redeemed yet, waiting or
     * approved: when its tokens are revoked, no code issued before the cut yields tokens after it ({@code
     * access_denied}).
     */
    public int withdrawUnredeemedOfClient(org.jdbi.v3.core.Handle h, String clientId) {
        return store.withdrawUnredeemedOfClient(h, clientId);
    }

    /**
     * The token endpoint's poll (§3.4–3.5). Every answer but a malformed code records the poll, so slow_down holds
     * across answers; the approved grant is redeemed once, opening the session its tokens belong to.
     */
    public Redeemed poll(String deviceCode, String clientId, List<String> resources, RequestInfo info) {
        if (deviceCode == null || !deviceCode.startsWith("dc_") || deviceCode.length() > 100)
            throw OAuthError.invalidGrant("invalid device code");
        String hash = Secrets.sha256(deviceCode);
        Instant now = clock.instant();
        Poll outcome = db.inTransaction(h -> {
            Optional<DeviceGrant> found = store.lockByDeviceCode(h, hash);
            if (found.isEmpty() || !found.get().clientId().equals(clientId))
                return new Poll.Refused(OAuthError.invalidGrant("invalid device code"));
            DeviceGrant g = found.get();
            if (g.status() == DeviceGrant.Status.REDEEMED)
                return new Poll.Refused(OAuthError.invalidGrant("the device code was already used"));
            if (!g.expiresAt().isAfter(now))
                return new Poll.Refused(new OAuthError(400, "expired_token", "the device code has expired"));
            if (g.lastPolledAt().isPresent()
                    && now.isBefore(g.lastPolledAt().get().plusSeconds(g.intervalSeconds()))) {
                store.polled(h, hash, now, g.intervalSeconds() + 5);
                return new Poll.Refused(new OAuthError(
                        400, "slow_down", "poll at most every " + (g.intervalSeconds() + 5) + " seconds"));
            }
            store.polled(h, hash, now, g.intervalSeconds());
            return switch (g.status()) {
                case PENDING ->
                    new Poll.Refused(new OAuthError(400, "authorization_pending", "the user has not decided yet"));
                case DENIED -> new Poll.Refused(new OAuthError(400, "access_denied", "the user denied the request"));
                default -> {
                    // RFC 8707 §2.2: a resource the user did not approve; the approval stays for a corrected poll.
                    var outside = resources.stream()
                            .filter(r -> !g.resources().contains(r))
                            .findFirst();
                    if (outside.isPresent())
                        yield new Poll.Refused(
                                OAuthError.invalidTarget("the grant does not include the resource " + outside.get()));
                    UUID userId = g.userId().orElseThrow();
                    var started = sessions.start(h, userId, "device", clientId, "pwd", info);
                    store.redeemed(h, hash, started.session().id());
                    audit.record(
                            h,
                            AuditEvent.success("oauth.device_code_redeemed", userId)
                                    .session(started.session().id())
                                    .details(Map.of("client_id", clientId)),
                            info);
                    yield new Poll.Ok(new Redeemed(g, started.session().id(), started.refreshToken()));
                }
            };
        });
        return switch (outcome) {
            case Poll.Ok ok -> ok.redeemed();
            case Poll.Refused r -> throw r.error();
        };
    }

    /** The grant a device-flow session was opened by, for the refresh-token grant's scope check. */
    public Optional<DeviceGrant> grantOfSession(UUID sessionId) {
        return db.withHandle(h -> store.bySession(h, sessionId));
    }
}
