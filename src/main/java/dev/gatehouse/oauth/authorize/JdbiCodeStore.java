package dev.gatehouse.oauth.authorize;

import dev.gatehouse.platform.db.Writes;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** Authorization codes, keyed by the SHA-256 of the code (the code itself is never stored). */
public final class JdbiCodeStore {
    private static final String COLUMNS = "client_id, user_id, redirect_uri, redirect_uri_named, code_challenge, scope,"
            + " resource, nonce, auth_time, expires_at, used_at, session_id, amr, dpop_jkt";
    private static final String[] COLUMN_NAMES = COLUMNS.split(", ?");

    /**
     * Stores a new code, with the SSO session (browser sign-in) it was issued in when there is one. Queued
     * ({@link Writes#later}): nothing reads it back in the transaction, and its key is the hash of a random code.
     */
    public void insert(Handle h, String codeHash, AuthorizationCode c, Optional<UUID> ssoSessionId, Instant now) {
        Writes.later(
                h,
                "INSERT INTO authorization_codes (code_hash, created_at, sso_session_id, " + COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                codeHash,
                now,
                ssoSessionId.orElse(null),
                c.clientId(),
                c.userId(),
                c.redirectUri(),
                c.redirectUriNamed(),
                c.codeChallenge(),
                String.join(" ", c.scope()),
                c.resources().isEmpty() ? null : String.join(" ", c.resources()),
                c.nonce().orElse(null),
                c.authTime(),
                c.expiresAt(),
                c.sessionId().orElse(null),
                String.join(" ", c.amr()),
                c.dpopJkt().orElse(null));
    }

    /**
     * Marks the code used and returns it, for the one caller that got there first; empty for every other caller and
     * for an unknown code. The update returns the row (RETURNING on PostgreSQL, generated keys on H2): one round trip.
     */
    public Optional<AuthorizationCode> claim(Handle h, String codeHash, Instant now) {
        return h.createUpdate(
                        "UPDATE authorization_codes SET used_at = :now WHERE code_hash = :hash AND used_at IS NULL")
                .bind("hash", codeHash)
                .bind("now", now)
                .executeAndReturnGeneratedKeys(COLUMN_NAMES)
                .map(JdbiCodeStore::map)
                .findOne();
    }

    public Optional<AuthorizationCode> byHash(Handle h, String codeHash) {
        return h.createQuery("SELECT " + COLUMNS + " FROM authorization_codes WHERE code_hash = :hash")
                .bind("hash", codeHash)
                .map(JdbiCodeStore::map)
                .findOne();
    }

    public Optional<AuthorizationCode> bySession(Handle h, UUID sessionId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM authorization_codes WHERE session_id = :sid")
                .bind("sid", sessionId)
                .map(JdbiCodeStore::map)
                .findFirst();
    }

    /** Records the session a redeemed code opened; queued ({@link Writes#later}) like the session's own rows. */
    public void linkSession(Handle h, String codeHash, UUID sessionId) {
        Writes.later(h, "UPDATE authorization_codes SET session_id = ? WHERE code_hash = ?", sessionId, codeHash);
    }

    /** The (client, session) pairs whose tokens came from codes issued in an SSO session. */
    public List<CodeRedemption.Participant> participants(Handle h, UUID ssoSessionId) {
        return h.createQuery("SELECT DISTINCT client_id, session_id, scope FROM authorization_codes"
                        + " WHERE sso_session_id = :sso AND session_id IS NOT NULL ORDER BY client_id")
                .bind("sso", ssoSessionId)
                .map((rs, ctx) -> new CodeRedemption.Participant(
                        rs.getString("client_id"),
                        rs.getObject("session_id", UUID.class),
                        scopeOf(rs.getString("scope")).contains("offline_access")))
                .list();
    }

    /** Spends the codes of an SSO session that were not redeemed yet, so none outlives its logout. */
    public void spendUnused(Handle h, UUID ssoSessionId, Instant now) {
        h.createUpdate("UPDATE authorization_codes SET used_at = :now WHERE sso_session_id = :sso AND used_at IS NULL")
                .bind("sso", ssoSessionId)
                .bind("now", now)
                .execute();
    }

    /** Spends the client's codes that were not redeemed yet, so none opens a session after its tokens are revoked. */
    public void spendUnusedOfClient(Handle h, String clientId, Instant now) {
        h.createUpdate("UPDATE authorization_codes SET used_at = :now WHERE client_id = :cid AND used_at IS NULL")
                .bind("cid", clientId)
                .bind("now", now)
                .execute();
    }

    /**
     * Deletes codes past their redemption window that no longer record a live grant: never linked to a session, or
     * linked to one that has ended or expired (the refresh-token grant reads the scope of an active session's code).
     */
    public int deleteExpired(Handle h, Instant now) {
        return h.createUpdate("DELETE FROM authorization_codes WHERE expires_at < :now AND (session_id IS NULL"
                        + " OR NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = authorization_codes.session_id"
                        + " AND s.ended_at IS NULL AND s.expires_at > :now))")
                .bind("now", now)
                .execute();
    }

    /** The scope column's space-separated names, in their order. */
    private static java.util.Set<String> scopeOf(String scope) {
        return scope.isEmpty() ? java.util.Set.of() : new LinkedHashSet<>(Arrays.asList(scope.split(" ")));
    }

    private static AuthorizationCode map(ResultSet rs, StatementContext ctx) throws SQLException {
        String scope = rs.getString("scope");
        String resource = rs.getString("resource");
        OffsetDateTime used = rs.getObject("used_at", OffsetDateTime.class);
        return new AuthorizationCode(
                rs.getString("client_id"),
                rs.getObject("user_id", UUID.class),
                rs.getString("redirect_uri"),
                rs.getBoolean("redirect_uri_named"),
                rs.getString("code_challenge"),
                scopeOf(scope),
                resource == null ? List.of() : List.of(resource.split(" ")),
                Optional.ofNullable(rs.getString("nonce")),
                rs.getObject("auth_time", OffsetDateTime.class).toInstant(),
                rs.getObject("expires_at", OffsetDateTime.class).toInstant(),
                Optional.ofNullable(used).map(OffsetDateTime::toInstant),
                Optional.ofNullable(rs.getObject("session_id", UUID.class)),
                List.of(rs.getString("amr").split(" ")),
                Optional.ofNullable(rs.getString("dpop_jkt")));
    }
}
