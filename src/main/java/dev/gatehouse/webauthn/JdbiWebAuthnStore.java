package dev.gatehouse.webauthn;

import dev.gatehouse.platform.db.AlreadyExists;
import dev.gatehouse.platform.db.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** WebAuthn credentials, user handles and pending ceremonies. Every method runs in the caller's transaction. */
public final class JdbiWebAuthnStore {
    private static final String COLUMNS = "id, user_id, credential_id, public_key_cose, sign_count, name, transports,"
            + " discoverable, backup_eligible, backed_up, aaguid, created_at, last_used_at";

    // ---- user handles

    public Optional<String> userHandle(Handle h, UUID userId) {
        return h.createQuery("SELECT user_handle FROM webauthn_user_handles WHERE user_id = :user")
                .bind("user", userId)
                .mapTo(String.class)
                .findOne();
    }

    /** The user's handle, creating it with {@code candidate} unless another transaction just did. */
    public String ensureUserHandle(Handle h, UUID userId, String candidate, Instant now) {
        h.createUpdate(
                        "INSERT INTO webauthn_user_handles (user_id, user_handle, created_at) VALUES (:user, :handle, :at)"
                                + " ON CONFLICT DO NOTHING")
                .bind("user", userId)
                .bind("handle", candidate)
                .bind("at", now)
                .execute();
        return userHandle(h, userId).orElseThrow();
    }

    /**
     * Locks the user's handle row until the transaction ends, so that registrations of one user check their count and
     * insert one at a time; false when the user has no handle (no registration was begun).
     */
    public boolean lockUserHandle(Handle h, UUID userId) {
        return h.createQuery("SELECT user_id FROM webauthn_user_handles WHERE user_id = :user FOR UPDATE")
                .bind("user", userId)
                .mapTo(UUID.class)
                .findOne()
                .isPresent();
    }

    public Optional<UUID> userIdForHandle(Handle h, String userHandle) {
        return h.createQuery("SELECT user_id FROM webauthn_user_handles WHERE user_handle = :handle")
                .bind("handle", userHandle)
                .mapTo(UUID.class)
                .findOne();
    }

    // ---- credentials

    /** Stores a new credential; {@link AlreadyExists} when its credential id is registered already (to anyone). */
    public void insert(Handle h, WebAuthnCredential c) {
        try {
            h.createUpdate("INSERT INTO webauthn_credentials (" + COLUMNS + ") VALUES (:id, :user, :credentialId,"
                            + " :publicKey, :signCount, :name, :transports, :discoverable, :backupEligible, :backedUp,"
                            + " :aaguid, :createdAt, :lastUsedAt)")
                    .bind("id", c.id())
                    .bind("user", c.userId())
                    .bind("credentialId", c.credentialId())
                    .bind("publicKey", c.publicKeyCose())
                    .bind("signCount", c.signCount())
                    .bind("name", c.name())
                    .bind("transports", String.join(",", c.transports()))
                    .bindByType("discoverable", c.discoverable(), Boolean.class)
                    .bind("backupEligible", c.backupEligible())
                    .bind("backedUp", c.backedUp())
                    .bind("aaguid", c.aaguid())
                    .bind("createdAt", c.createdAt())
                    .bindByType("lastUsedAt", c.lastUsedAt(), Instant.class)
                    .execute();
        } catch (RuntimeException e) {
            if (Database.isUniqueViolation(e)) throw new AlreadyExists("webauthn credential");
            throw e;
        }
    }

    public Optional<WebAuthnCredential> byId(Handle h, UUID id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM webauthn_credentials WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> row(rs))
                .findOne();
    }

    public Optional<WebAuthnCredential> byCredentialId(Handle h, String credentialId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM webauthn_credentials WHERE credential_id = :cid")
                .bind("cid", credentialId)
                .map((rs, ctx) -> row(rs))
                .findOne();
    }

    /** The user's credentials, oldest first. */
    public List<WebAuthnCredential> listForUser(Handle h, UUID userId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM webauthn_credentials WHERE user_id = :user"
                        + " ORDER BY created_at, id")
                .bind("user", userId)
                .map((rs, ctx) -> row(rs))
                .list();
    }

    public int countForUser(Handle h, UUID userId) {
        return h.createQuery("SELECT COUNT(*) FROM webauthn_credentials WHERE user_id = :user")
                .bind("user", userId)
                .mapTo(Integer.class)
                .one();
    }

    /** Renames one of the user's credentials; false when the user has no credential with that id. */
    public boolean rename(Handle h, UUID userId, UUID id, String name) {
        return h.createUpdate("UPDATE webauthn_credentials SET name = :name WHERE id = :id AND user_id = :user")
                        .bind("name", name)
                        .bind("id", id)
                        .bind("user", userId)
                        .execute()
                == 1;
    }

    /** Deletes one of the user's credentials; false when the user has no credential with that id. */
    public boolean delete(Handle h, UUID userId, UUID id) {
        return h.createUpdate("DELETE FROM webauthn_credentials WHERE id = :id AND user_id = :user")
                        .bind("id", id)
                        .bind("user", userId)
                        .execute()
                == 1;
    }

    /** Deletes every credential of the user (an administrator's MFA reset); returns how many. */
    public int deleteAllForUser(Handle h, UUID userId) {
        return h.createUpdate("DELETE FROM webauthn_credentials WHERE user_id = :user")
                .bind("user", userId)
                .execute();
    }

    /**
     * Records a verified assertion: the new signature count, backup state and time of use. The count must grow (or stay
     * zero for an authenticator without a counter), checked in the UPDATE itself, so two nodes verifying copies of one
     * authenticator's output at once cannot both succeed. False when the count did not grow (or the credential is gone).
     */
    public boolean recordUse(Handle h, UUID id, long signCount, boolean backedUp, Instant now) {
        return h.createUpdate("UPDATE webauthn_credentials SET sign_count = :count, backed_up = :backedUp,"
                                + " last_used_at = :now WHERE id = :id"
                                + " AND (sign_count < :count OR (sign_count = 0 AND :count = 0))")
                        .bind("count", signCount)
                        .bind("backedUp", backedUp)
                        .bind("now", now)
                        .bind("id", id)
                        .execute()
                == 1;
    }

    // ---- pending ceremonies

    public void insertCeremony(Handle h, PendingCeremony c) {
        h.createUpdate(
                        "INSERT INTO webauthn_challenges (challenge_hash, purpose, user_id, binding, request, created_at,"
                                + " expires_at) VALUES (:hash, :purpose, :user, :binding, :request, :createdAt, :expiresAt)")
                .bind("hash", c.challengeHash())
                .bind("purpose", c.purpose())
                .bind("user", (Object) c.userId()) // an untyped null (Types.OTHER): PostgreSQL takes it as a uuid
                .bindByType("binding", c.binding(), String.class)
                .bind("request", c.request())
                .bind("createdAt", c.createdAt())
                .bind("expiresAt", c.expiresAt())
                .execute();
    }

    /**
     * Removes the ceremony with this challenge and returns it when it has not expired at {@code now}. Whoever deletes
     * the row owns it: of two transactions taking the same challenge at once, one gets it and the other nothing.
     */
    public Optional<PendingCeremony> takeCeremony(Handle h, String challengeHash, Instant now) {
        Optional<PendingCeremony> found = h.createQuery(
                        "SELECT challenge_hash, purpose, user_id, binding, request, created_at, expires_at"
                                + " FROM webauthn_challenges WHERE challenge_hash = :hash")
                .bind("hash", challengeHash)
                .map((rs, ctx) -> new PendingCeremony(
                        rs.getString("challenge_hash"),
                        rs.getString("purpose"),
                        rs.getObject("user_id", UUID.class),
                        rs.getString("binding"),
                        rs.getString("request"),
                        instant(rs, "created_at"),
                        instant(rs, "expires_at")))
                .findOne();
        if (found.isEmpty()) return Optional.empty();
        int deleted = h.createUpdate("DELETE FROM webauthn_challenges WHERE challenge_hash = :hash")
                .bind("hash", challengeHash)
                .execute();
        if (deleted != 1 || !found.get().expiresAt().isAfter(now)) return Optional.empty();
        return found;
    }

    /** Deletes ceremonies that expired before {@code now}; returns how many. */
    public int purgeExpired(Handle h, Instant now) {
        return h.createUpdate("DELETE FROM webauthn_challenges WHERE expires_at <= :now")
                .bind("now", now)
                .execute();
    }

    private static WebAuthnCredential row(ResultSet rs) throws SQLException {
        String transports = rs.getString("transports");
        return new WebAuthnCredential(
                rs.getObject("id", UUID.class),
                rs.getObject("user_id", UUID.class),
                rs.getString("credential_id"),
                rs.getString("public_key_cose"),
                rs.getLong("sign_count"),
                rs.getString("name"),
                transports.isEmpty() ? List.of() : Arrays.asList(transports.split(",")),
                rs.getObject("discoverable", Boolean.class),
                rs.getBoolean("backup_eligible"),
                rs.getBoolean("backed_up"),
                rs.getString("aaguid"),
                instant(rs, "created_at"),
                instant(rs, "last_used_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
