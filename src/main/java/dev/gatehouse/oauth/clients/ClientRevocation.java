package dev.gatehouse.oauth.clients;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Taking back what a client holds, for rotation and incident response: its secret (a new one, the old one kept a
 * while or stopped at once) and every token issued to it. Both take effect on every node through the clients cache's
 * invalidation (ADR 0013).
 */
public final class ClientRevocation {
    /**
     * Ends every session of a client inside the caller's transaction, and spends its codes (authorization and device)
     * not redeemed yet, which would open a session after the cut; the number of sessions ended.
     */
    public interface SessionsEnded {
        int endAll(Handle h, String clientId);
    }

    private final Database db;
    private final ClientStore store;
    private final ClientService clients;
    private final Secrets secrets;
    private final AuditLog audit;
    private final Clock clock;
    private final SessionsEnded sessionsEnded;

    public ClientRevocation(
            Database db,
            ClientStore store,
            ClientService clients,
            Secrets secrets,
            AuditLog audit,
            Clock clock,
            SessionsEnded sessionsEnded) {
        this.db = db;
        this.store = store;
        this.clients = clients;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
        this.sessionsEnded = sessionsEnded;
    }

    /** The longest a replaced secret may stay valid after a rotation. */
    public static final Duration MAX_SECRET_OVERLAP = Duration.ofDays(7);

    /**
     * A new secret, shown once. With a positive {@code keepPrevious} the current secret stays valid that long, so the
     * client's deployments can move to the new one without failing in between; a secret an earlier rotation kept
     * stops now either way. Zero: the current secret stops at once.
     */
    public IssuedClient regenerateSecret(String clientId, Duration keepPrevious, UUID actor, RequestInfo info) {
        if (keepPrevious.isNegative() || keepPrevious.compareTo(MAX_SECRET_OVERLAP) > 0)
            throw Problem.invalidField(
                    "previous_secret_expires_in", "from 0 to " + MAX_SECRET_OVERLAP.toSeconds() + " seconds (7 days)");
        String secret = secrets.token("gcs_");
        Instant now = clock.instant();
        Instant keepUntil = keepPrevious.isZero() ? null : now.plus(keepPrevious);
        String secretHash = Secrets.sha256(secret);
        // The secret being replaced is the row's at the UPDATE, not the cached one (ADR 0013's cache may be stale):
        // read back in the same transaction what the rotation kept, for the answer and the audit.
        OAuthClient rotated = db.inTransaction(h -> {
            if (!store.rotateSecret(h, clientId, secretHash, keepUntil, now))
                throw new OAuthError(404, "invalid_client_id", "no such client");
            OAuthClient after = ClientService.open(store.byId(h, clientId)
                    .orElseThrow(() -> new OAuthError(404, "invalid_client_id", "no such client")));
            // Whether the client has a secret is the row's too, locked by the UPDATE: a client another node made
            // public a moment ago is refused (the rotation rolls back), not given a secret from a stale cache.
            if (!ClientService.usesSecret(after.authMethod())) throw noSecret(after);
            var details = new LinkedHashMap<String, Object>();
            details.put("client_id", clientId);
            after.previousSecret()
                    .ifPresent(p -> details.put(
                            "previous_secret_expires_at", p.expiresAt().toString()));
            clients.invalidate(h, clientId);
            audit.record(
                    h,
                    AuditEvent.success("client.secret_regenerated", null)
                            .actor(actor)
                            .details(details),
                    info);
            return after;
        });
        return new IssuedClient(rotated, Optional.of(secret), Optional.empty());
    }

    /** Not a metadata error (nothing in the request is wrong): the client is of a kind that has no secret. */
    private static Problem noSecret(OAuthClient c) {
        return new Problem(
                422,
                "client_has_no_secret",
                "Client has no secret",
                "clients using " + c.authMethod() + " have no secret to regenerate",
                null);
    }

    /** What {@link #revokeTokens} did: the sessions it ended, and the instant before which its access tokens fail. */
    public record TokensRevoked(int sessionsEnded, Instant notBefore) {}

    /**
     * Incident response: every token the client holds stops working on every node. Its sessions end (their refresh
     * tokens with them), and its access tokens issued before now are refused, whatever session they carry (one the
     * client got by token exchange carries its subject's session). Its authorization and device codes not redeemed
     * yet are spent, as redeeming one would open a session after the cut. Access tokens carry {@code iat} in whole
     * seconds, so the cut is the end of the current second: tokens issued before this call within it are refused too,
     * and one issued after it within that second is dated at its end
     * ({@code AccessTokenService.Request#issuedNoEarlierThan}).
     */
    public TokensRevoked revokeTokens(String clientId, UUID actor, RequestInfo info) {
        Instant notBefore = clock.instant().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        int ended = db.inTransaction(h -> {
            if (!store.revokeTokens(h, clientId, notBefore)) throw Problem.notFound("The client");
            int n = sessionsEnded.endAll(h, clientId);
            clients.invalidate(h, clientId);
            audit.record(
                    h,
                    AuditEvent.success("client.tokens_revoked", null)
                            .actor(actor)
                            .details(Map.of(
                                    "client_id", clientId,
                                    "sessions_ended", n,
                                    "tokens_not_before", notBefore.toString())),
                    info);
            return n;
        });
        return new TokensRevoked(ended, notBefore);
    }
}
