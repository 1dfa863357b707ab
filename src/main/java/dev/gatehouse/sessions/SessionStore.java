package dev.gatehouse.sessions;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Sessions and their refresh-token families. Every method runs in the caller's transaction. */
public interface SessionStore {
    enum Claim {
        CLAIMED,
        ALREADY_USED,
        EXPIRED,
        UNKNOWN
    }

    record ClaimResult(Claim claim, UUID sessionId) {}

    void insert(Handle h, Session s);

    Optional<Session> byId(Handle h, UUID id);

    /** The session, only while its account is active (not disabled or deleted since the sign-in). */
    Optional<Session> byIdOfActiveAccount(Handle h, UUID id);

    void addRefreshToken(Handle h, String hash, UUID sessionId, Instant createdAt, Instant expiresAt);

    /** Marks the token used iff it is unused and unexpired; one caller wins a race, the others see ALREADY_USED. */
    ClaimResult claimRefreshToken(Handle h, String hash, Instant now);

    void touch(Handle h, UUID sessionId, Instant now);

    /** Whose a refresh token is, and whether it was spent already (rotated away, or presented again). */
    record RefreshTokenOwner(UUID sessionId, boolean used) {}

    /** The session a refresh token (by hash) belongs to, whether or not the token was used. */
    Optional<RefreshTokenOwner> sessionOfRefreshToken(Handle h, String hash);

    /**
     * A refresh token that would be accepted now: unused, unexpired, in a session neither ended nor expired, of an
     * account still active.
     */
    record LiveRefreshToken(Session session, Instant issuedAt, Instant expiresAt) {}

    /**
     * The refresh token (by hash) with its session, in one round trip, if it is live at {@code now}; empty when
     * unknown, used, expired or ended.
     */
    Optional<LiveRefreshToken> liveRefreshToken(Handle h, String hash, Instant now);

    /**
     * Marks the session used at {@code now} if it is still active and returns it so; empty if ended, expired, or its
     * account is no longer active.
     */
    Optional<Session> touchIfActive(Handle h, UUID sessionId, Instant now);

    /** Ends the session if still open; true when this call ended it. */
    boolean end(Handle h, UUID sessionId, Instant now, String reason);

    /**
     * Ends the user's open sessions except {@code keep}; returns the ended ones. Locks the user's row first, which a
     * password sign-in's transaction locks too ({@code AccountService.requireUnchanged}).
     */
    List<EndedSession> endAllForUser(Handle h, UUID userId, Optional<UUID> keep, Instant now, String reason);

    List<Session> listActive(Handle h, UUID userId, Instant now, int limit, int offset);

    List<Session> listAll(Handle h, UUID userId, int limit, int offset);

    /** Ends the user's open sessions started for one OAuth client (its refresh-token families); returns their ids. */
    List<UUID> endAllForClient(Handle h, UUID userId, String clientId, Instant now, String reason);

    /** Ends every user's open sessions started for one OAuth client (the client is gone); returns their ids. */
    List<UUID> endAllOfClient(Handle h, String clientId, Instant now, String reason);

    /** Deletes refresh tokens that expired before {@code now}; returns how many. */
    int deleteExpiredRefreshTokens(Handle h, Instant now);
}
