package dev.gatehouse.sessions;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.db.RecentReads;
import dev.gatehouse.platform.http.RequestInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Sessions and refresh-token rotation. Every refresh spends its token and issues a new one in one transaction; a spent
 * token presented again means it leaked, so the whole family (the session) ends and {@code token.reuse_detected} is
 * audited (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
 */
public final class SessionService {
    public record Started(Session session, String refreshToken) {}

    public sealed interface RefreshOutcome {
        record Refreshed(Session session, String refreshToken) implements RefreshOutcome {}

        record Rejected(String reason) implements RefreshOutcome {}
    }

    private final Database db;
    private final SessionStore store;
    private final AuditLog audit;
    private final Secrets secrets;
    private final Clock clock;
    private final Duration refreshTtl;
    private final Counter reuseDetected;
    private final RecentReads<UUID, Session> recent;
    private volatile EndedEverywhere endedEverywhere = (h, userId, sessions) -> {};

    /** How long {@link #isActive} may reuse a session read: the bound on seeing a session ended on another node. */
    public static final Duration RECENT = Duration.ofSeconds(1);

    public SessionService(
            Database db,
            SessionStore store,
            AuditLog audit,
            Secrets secrets,
            Clock clock,
            Duration refreshTtl,
            MeterRegistry metrics) {
        this.db = db;
        this.store = store;
        this.audit = audit;
        this.secrets = secrets;
        this.clock = clock;
        this.recent = new RecentReads<>(clock, RECENT, 50_000);
        this.refreshTtl = refreshTtl;
        this.reuseDetected = Counter.builder("gatehouse.refresh.reuse_detected")
                .description("Rotated refresh tokens presented again; each revoked its family")
                .register(metrics);
    }

    /** Opens a session with its first refresh token, inside the caller's transaction (the sign-in). */
    public Started start(Handle h, UUID userId, String deviceId, String clientId, String method, RequestInfo info) {
        return start(h, UUID.randomUUID(), userId, deviceId, clientId, method, info);
    }

    /** As {@link #start(Handle, UUID, String, String, String, RequestInfo)}, with an id chosen in advance. */
    public Started start(
            Handle h, UUID id, UUID userId, String deviceId, String clientId, String method, RequestInfo info) {
        Instant now = clock.instant();
        var session = new Session(
                id,
                userId,
                deviceId,
                clientId,
                method,
                info.ip(),
                info.userAgent(),
                now,
                now,
                now.plus(refreshTtl),
                null,
                null);
        store.insert(h, session);
        String token = secrets.token("rt_");
        store.addRefreshToken(h, Secrets.sha256(token), session.id(), now, now.plus(refreshTtl));
        return new Started(session, token);
    }

    /**
     * Spends {@code refreshToken} and issues its successor, when it belongs to a session of {@code clientId}. A token
     * of another client's session is refused without being spent: the transaction rolls back.
     */
    public RefreshOutcome refresh(String refreshToken, String clientId, RequestInfo info) {
        if (refreshToken == null || !refreshToken.startsWith("rt_") || refreshToken.length() > 100) {
            return new RefreshOutcome.Rejected("malformed");
        }
        try {
            return rotate(refreshToken, clientId, info);
        } catch (OtherClient e) {
            return new RefreshOutcome.Rejected("other_client");
        }
    }

    /** Thrown inside the rotation transaction to roll it back (the claim included) when the client does not match. */
    private static final class OtherClient extends RuntimeException {
        OtherClient() {
            super(null, null, false, false);
        }
    }

    private RefreshOutcome rotate(String refreshToken, String clientId, RequestInfo info) {
        Instant now = clock.instant();
        String hash = Secrets.sha256(refreshToken);
        return db.inTransaction(h -> {
            var claim = store.claimRefreshToken(h, hash, now);
            switch (claim.claim()) {
                case UNKNOWN -> {
                    return new RefreshOutcome.Rejected("unknown");
                }
                case EXPIRED -> {
                    return new RefreshOutcome.Rejected("expired");
                }
                case ALREADY_USED -> {
                    Optional<Session> s = store.byId(h, claim.sessionId());
                    if (s.isPresent() && !s.get().clientId().equals(clientId)) throw new OtherClient();
                    recent.invalidate(h, claim.sessionId());
                    if (store.end(h, claim.sessionId(), now, "refresh_token_reuse")) {
                        reuseDetected.increment();
                        audit.record(
                                h,
                                new AuditEvent(
                                                "token.reuse_detected",
                                                "failure",
                                                s.map(Session::userId).orElse(null),
                                                null,
                                                claim.sessionId(),
                                                "rotated refresh token presented again; session revoked",
                                                Map.of())
                                        .session(claim.sessionId()),
                                info);
                    }
                    return new RefreshOutcome.Rejected("reused");
                }
                case CLAIMED -> {
                    Optional<Session> active = store.touchIfActive(h, claim.sessionId(), now);
                    if (active.isEmpty()) return new RefreshOutcome.Rejected("session_ended");
                    Session s = active.get();
                    if (!s.clientId().equals(clientId)) throw new OtherClient();
                    String next = secrets.token("rt_");
                    store.addRefreshToken(h, Secrets.sha256(next), s.id(), now, s.expiresAt());
                    audit.record(
                            h, AuditEvent.success("token.refreshed", s.userId()).session(s.id()), info);
                    return new RefreshOutcome.Refreshed(s, next);
                }
            }
            throw new IllegalStateException();
        });
    }

    /**
     * RFC 7009 revocation of a refresh token: ends its session (the whole family) when it belongs to {@code clientId}.
     * False only when the token belongs to another client (§2.1: that request is refused, and changes nothing); an
     * unknown token is nothing to revoke.
     */
    public boolean revokeByRefreshToken(String refreshToken, String clientId, RequestInfo info) {
        if (refreshToken == null || !refreshToken.startsWith("rt_") || refreshToken.length() > 100) return true;
        return db.inTransaction(h -> {
            var session = store.sessionOfRefreshToken(h, Secrets.sha256(refreshToken))
                    .flatMap(owner -> store.byId(h, owner.sessionId()));
            if (session.isPresent() && !session.get().clientId().equals(clientId)) return false;
            session.ifPresent(s -> {
                recent.invalidate(h, s.id());
                if (store.end(h, s.id(), clock.instant(), "revoked_by_client")) {
                    audit.record(
                            h,
                            AuditEvent.success("session.revoked", s.userId())
                                    .session(s.id())
                                    .details(Map.of("client_id", clientId)),
                            info);
                }
            });
            return true;
        });
    }

    /** What introspection tells a client about one of its own refresh tokens (RFC 7662 §2.2). */
    public record RefreshTokenInfo(Session session, Instant issuedAt, Instant expiresAt) {}

    /**
     * A refresh token of {@code clientId} that would be accepted now, for introspection; empty for anything else,
     * another client's token included (refresh tokens are the client's own credential, not a resource server's).
     */
    public Optional<RefreshTokenInfo> liveRefreshToken(String refreshToken, String clientId) {
        if (refreshToken == null || !refreshToken.startsWith("rt_") || refreshToken.length() > 100) {
            return Optional.empty();
        }
        return db.withHandle(h -> store.liveRefreshToken(h, Secrets.sha256(refreshToken), clock.instant()))
                .filter(live -> live.session().clientId().equals(clientId))
                .map(live -> new RefreshTokenInfo(live.session(), live.issuedAt(), live.expiresAt()));
    }

    /** A presented refresh token's session, and whether the token was spent already. */
    public record Presented(Session session, boolean spent) {}

    /**
     * The session a refresh token belongs to, without spending the token (to check the request before rotating), and
     * whether the token is spent: then {@link #refresh} ends the session, whatever else is wrong with the request.
     */
    public Optional<Presented> sessionOf(String refreshToken) {
        if (refreshToken == null || !refreshToken.startsWith("rt_") || refreshToken.length() > 100) {
            return Optional.empty();
        }
        return db.withHandle(h -> store.sessionOfRefreshToken(h, Secrets.sha256(refreshToken))
                .flatMap(owner -> store.byId(h, owner.sessionId()).map(s -> new Presented(s, owner.used()))));
    }

    /** Ends of sessions reach the other nodes' caches when they commit ({@link RecentReads#shareInvalidations}). */
    public void shareCacheInvalidations(dev.gatehouse.platform.db.ClusterEvents events) {
        recent.shareInvalidations(events, "session_changed", UUID::fromString);
    }

    public boolean end(Handle h, UUID sessionId, String reason) {
        boolean ended = store.end(h, sessionId, clock.instant(), reason);
        recent.invalidate(h, sessionId);
        return ended;
    }

    /**
     * Ends every session of the user but {@code keep} (password reset or change, "sign out everywhere", an address
     * proven by its owner) and tells the {@link #whenEndedEverywhere listener}, in the same transaction; returns the
     * ended ids.
     */
    public List<UUID> endAll(Handle h, UUID userId, Optional<UUID> keep, String reason) {
        List<EndedSession> ended = store.endAllForUser(h, userId, keep, clock.instant(), reason);
        ended.forEach(s -> recent.invalidate(h, s.id()));
        endedEverywhere.ended(h, userId, ended);
        return ended.stream().map(EndedSession::id).toList();
    }

    /** What else ends when all of a user's sessions end at once; called inside the ending transaction. */
    public interface EndedEverywhere {
        void ended(Handle h, UUID userId, List<EndedSession> sessions);
    }

    /**
     * Sets what else ends with {@link #endAll}: App wires the browser's SSO sessions and the clients' back-channel
     * logout here, which live in features that build on this one. Set once, while the application is assembled.
     */
    public void whenEndedEverywhere(EndedEverywhere listener) {
        this.endedEverywhere = java.util.Objects.requireNonNull(listener);
    }

    /** Ends the sessions (and so the refresh tokens) the user holds through one OAuth client. */
    public List<UUID> endAllForClient(Handle h, UUID userId, String clientId, String reason) {
        List<UUID> ended = store.endAllForClient(h, userId, clientId, clock.instant(), reason);
        ended.forEach(id -> recent.invalidate(h, id));
        return ended;
    }

    /**
     * Ends every user's sessions (and so the refresh tokens and the access tokens bound to them) through a client that
     * is being deleted (RFC 7592 §2.3), inside the caller's transaction.
     */
    public List<UUID> endAllOfClient(Handle h, String clientId) {
        return endAllOfClient(h, clientId, "client_deleted");
    }

    /** Ends every open session of the client, recording {@code reason}; their ids. */
    public List<UUID> endAllOfClient(Handle h, String clientId, String reason) {
        List<UUID> ended = store.endAllOfClient(h, clientId, clock.instant(), reason);
        ended.forEach(id -> recent.invalidate(h, id));
        return ended;
    }

    /** Deletes refresh tokens past their expiry (the cleanup job); returns how many. */
    public int deleteExpiredRefreshTokens(Instant now) {
        return db.inTransaction(h -> store.deleteExpiredRefreshTokens(h, now));
    }

    public Optional<Session> find(UUID sessionId) {
        return db.withHandle(h -> store.byId(h, sessionId));
    }

    /**
     * Whether the session still lives, for checking session-bound access tokens on every call: from a read at most
     * {@link #RECENT} old. A session ended through this service is inactive on the next call on this node; one ended
     * on another node within {@link #RECENT}, like a revoked access token (RevocationList). Expiry is exact. A session
     * whose account is no longer active (disabled or deleted since the sign-in) is not live either, so its access
     * tokens stop within the same bound.
     */
    public boolean isActive(UUID sessionId) {
        return recent.get(sessionId, id -> db.withHandle(h -> store.byIdOfActiveAccount(h, id)))
                .map(s -> s.activeAt(clock.instant()))
                .orElse(false);
    }

    public List<Session> active(UUID userId, int limit, int offset) {
        return db.withHandle(h -> store.listActive(h, userId, clock.instant(), limit, offset));
    }

    public List<Session> history(UUID userId, int limit, int offset) {
        return db.withHandle(h -> store.listAll(h, userId, limit, offset));
    }
}
