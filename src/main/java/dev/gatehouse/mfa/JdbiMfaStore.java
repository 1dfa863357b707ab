package dev.gatehouse.mfa;

import dev.gatehouse.platform.db.Writes;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Second factors, backup codes, pending logins (mfa_token) and trusted devices. */
public final class JdbiMfaStore {
    /** A user's factors; {@code totpSecret} is sealed, and set but not enabled while an enrolment is pending. */
    public record Factors(
            UUID userId,
            String totpSecret,
            boolean totpEnabled,
            Long totpLastStep,
            boolean emailEnabled,
            String preferred) {
        static Factors none(UUID userId) {
            return new Factors(userId, null, false, null, false, null);
        }

        boolean any() {
            return totpEnabled || emailEnabled;
        }

        /** A TOTP secret being set up (sealed by the master key), not on yet. */
        Factors withPendingTotp(String sealedSecret) {
            return new Factors(userId, sealedSecret, false, null, emailEnabled, preferred);
        }

        /** TOTP on, its secret and last spent step kept; preferred when nothing was. */
        Factors withTotpOn() {
            return new Factors(userId, totpSecret, true, totpLastStep, emailEnabled, preferredOr("totp"));
        }

        /** TOTP off and its secret gone; no longer preferred. */
        Factors withTotpOff() {
            return new Factors(userId, null, false, null, emailEnabled, preferredUnless("totp"));
        }

        /** Email codes on (preferred when nothing was) or off (no longer preferred). */
        Factors withEmail(boolean on) {
            return new Factors(
                    userId,
                    totpSecret,
                    totpEnabled,
                    totpLastStep,
                    on,
                    on ? preferredOr("email") : preferredUnless("email"));
        }

        Factors withPreferred(String method) {
            return new Factors(userId, totpSecret, totpEnabled, totpLastStep, emailEnabled, method);
        }

        private String preferredOr(String method) {
            return preferred == null ? method : preferred;
        }

        private String preferredUnless(String method) {
            return method.equals(preferred) ? null : preferred;
        }
    }

    public record Challenge(
            String tokenHash,
            UUID userId,
            String deviceId,
            String firstMethod,
            boolean setupRequired,
            int failedAttempts,
            String emailCodeHash,
            int emailSends,
            Instant expiresAt,
            List<String> methods,
            Optional<UUID> stepUpOf) {
        /**
         * Whether the second step offered {@code method}; a challenge from before the methods were kept (empty) offered
         * any.
         */
        public boolean offers(String method) {
            return methods.isEmpty() || methods.contains(method);
        }
    }

    public record TrustedDevice(String deviceId, Instant trustedAt, Instant trustedUntil) {}

    public record DeviceSession(
            UUID sessionId,
            String deviceId,
            String ip,
            String userAgent,
            Instant createdAt,
            Instant lastUsedAt,
            boolean active) {}

    public Factors factors(Handle h, UUID userId) {
        return factors(h, userId, " FOR UPDATE");
    }

    /**
     * The user's factors with their row locked until the transaction ends (no row: none, nothing locked), so that a
     * TOTP step checked against {@code totp_last_step} can be spent with {@link #spendStepLater}.
     */
    public Factors lockedFactors(Handle h, UUID userId) {
        return factors(h, userId, " FOR UPDATE");
    }

    private Factors factors(Handle h, UUID userId, String lock) {
        return h.createQuery("SELECT user_id, totp_secret, totp_enabled, totp_last_step, email_enabled, preferred"
                        + " FROM mfa_factors WHERE user_id = :u" + lock)
                .bind("u", userId)
                .map((rs, ctx) -> new Factors(
                        rs.getObject("user_id", UUID.class),
                        rs.getString("totp_secret"),
                        rs.getBoolean("totp_enabled"),
                        rs.getObject("totp_last_step") == null ? null : rs.getLong("totp_last_step"),
                        rs.getBoolean("email_enabled"),
                        rs.getString("preferred")))
                .findOne()
                .orElse(Factors.none(userId));
    }

    /** Locks the user's factor row (creating it), so concurrent changes of one user's factors serialise. */
    public Factors lockFactors(Handle h, UUID userId, Instant now) {
        h.createUpdate("INSERT INTO mfa_factors (user_id, updated_at) SELECT :u, :now"
                        + " WHERE NOT EXISTS (SELECT 1 FROM mfa_factors WHERE user_id = :u)")
                .bind("u", userId)
                .bind("now", now)
                .execute();
        return lockedFactors(h, userId);
    }

    public void save(Handle h, Factors f, Instant now) {
        h.createUpdate("UPDATE mfa_factors SET totp_secret = :secret, totp_enabled = :totp, totp_last_step = :step,"
                        + " email_enabled = :email, preferred = :pref, updated_at = :now WHERE user_id = :u")
                .bind("u", f.userId())
                .bind("secret", f.totpSecret())
                .bind("totp", f.totpEnabled())
                .bind("step", f.totpLastStep())
                .bind("email", f.emailEnabled())
                .bind("pref", f.preferred())
                .bind("now", now)
                .execute();
    }

    /**
     * Records {@code step} as the last TOTP step spent, with the transaction's next round trip ({@link Writes}); the
     * caller holds the row's lock ({@link #lockedFactors}) and has checked that the step is later than the last one.
     */
    public void spendStepLater(Handle h, UUID userId, long step, Instant now) {
        Writes.later(
                h, "UPDATE mfa_factors SET totp_last_step = ?, updated_at = ? WHERE user_id = ?", step, now, userId);
    }

    public void replaceBackupCodes(Handle h, UUID userId, List<String> hashes, Instant now) {
        h.createUpdate("DELETE FROM mfa_backup_codes WHERE user_id = :u")
                .bind("u", userId)
                .execute();
        var batch = h.prepareBatch(
                "INSERT INTO mfa_backup_codes (code_hash, user_id, created_at) VALUES (:hash, :u, :now)");
        for (String hash : hashes)
            batch.bind("hash", hash).bind("u", userId).bind("now", now).add();
        batch.execute();
    }

    public void deleteBackupCodes(Handle h, UUID userId) {
        h.createUpdate("DELETE FROM mfa_backup_codes WHERE user_id = :u")
                .bind("u", userId)
                .execute();
    }

    public boolean spendBackupCode(Handle h, UUID userId, String hash, Instant now) {
        return h.createUpdate("UPDATE mfa_backup_codes SET used_at = :now"
                                + " WHERE code_hash = :hash AND user_id = :u AND used_at IS NULL")
                        .bind("hash", hash)
                        .bind("u", userId)
                        .bind("now", now)
                        .execute()
                == 1;
    }

    public int backupCodesLeft(Handle h, UUID userId) {
        return h.createQuery("SELECT COUNT(*) FROM mfa_backup_codes WHERE user_id = :u AND used_at IS NULL")
                .bind("u", userId)
                .mapTo(Integer.class)
                .one();
    }

    public void insertChallenge(Handle h, Challenge c, Instant now) {
        h.createUpdate("INSERT INTO mfa_challenges (token_hash, user_id, device_id, first_method, setup_required,"
                        + " created_at, expires_at, methods, sso_session_id)"
                        + " VALUES (:hash, :u, :device, :method, :setup, :now, :exp, :methods, CAST(:sso AS UUID))")
                .bind("hash", c.tokenHash())
                .bind("u", c.userId())
                .bind("device", c.deviceId())
                .bind("method", c.firstMethod())
                .bind("setup", c.setupRequired())
                .bind("now", now)
                .bind("exp", c.expiresAt())
                .bind("methods", String.join(" ", c.methods()))
                .bind("sso", c.stepUpOf().map(UUID::toString).orElse(null)) // a null binds as text: CAST
                .execute();
    }

    /** A live challenge (unused, unexpired, under the attempt limit), optionally locked for this transaction. */
    public Optional<Challenge> liveChallenge(Handle h, String tokenHash, Instant now, int maxAttempts, boolean lock) {
        return h.createQuery("SELECT token_hash, user_id, device_id, first_method, setup_required, failed_attempts,"
                        + " email_code_hash, email_sends, expires_at, methods, sso_session_id FROM mfa_challenges"
                        + " WHERE token_hash = :hash"
                        + " AND used_at IS NULL AND expires_at > :now AND failed_attempts < :max"
                        + (lock ? " FOR UPDATE" : ""))
                .bind("hash", tokenHash)
                .bind("now", now)
                .bind("max", maxAttempts)
                .map((rs, ctx) -> new Challenge(
                        rs.getString("token_hash"),
                        rs.getObject("user_id", UUID.class),
                        rs.getString("device_id"),
                        rs.getString("first_method"),
                        rs.getBoolean("setup_required"),
                        rs.getInt("failed_attempts"),
                        rs.getString("email_code_hash"),
                        rs.getInt("email_sends"),
                        rs.getObject("expires_at", OffsetDateTime.class).toInstant(),
                        methodsOf(rs.getString("methods")),
                        Optional.ofNullable(rs.getObject("sso_session_id", UUID.class))))
                .findOne();
    }

    private static List<String> methodsOf(String column) {
        return column == null || column.isBlank() ? List.of() : List.of(column.split(" "));
    }

    public void failChallenge(Handle h, String tokenHash) {
        h.createUpdate("UPDATE mfa_challenges SET failed_attempts = failed_attempts + 1 WHERE token_hash = :hash")
                .bind("hash", tokenHash)
                .execute();
    }

    public void useChallenge(Handle h, String tokenHash, Instant now) {
        Writes.later(h, "UPDATE mfa_challenges SET used_at = ? WHERE token_hash = ?", now, tokenHash);
    }

    public void setEmailCode(Handle h, String tokenHash, String codeHash) {
        h.createUpdate("UPDATE mfa_challenges SET email_code_hash = :code, email_sends = email_sends + 1"
                        + " WHERE token_hash = :hash")
                .bind("hash", tokenHash)
                .bind("code", codeHash)
                .execute();
    }

    /** Spends the account's sign-ins still waiting for their second factor; returns how many. */
    public int spendPendingChallenges(Handle h, UUID userId, Instant now) {
        return h.createUpdate("UPDATE mfa_challenges SET used_at = :now"
                        + " WHERE user_id = :u AND used_at IS NULL AND expires_at > :now")
                .bind("u", userId)
                .bind("now", now)
                .execute();
    }

    public int deleteExpiredChallenges(Handle h, Instant before) {
        return h.createUpdate("DELETE FROM mfa_challenges WHERE expires_at < :before")
                .bind("before", before)
                .execute();
    }

    /** Whether the device is trusted and {@code secretHash} is the SHA-256 of the token its trust handed out. */
    public boolean trusted(Handle h, UUID userId, String deviceId, String secretHash, Instant now) {
        return h.createQuery("SELECT COUNT(*) FROM trusted_devices WHERE user_id = :u AND device_id = :d"
                                + " AND secret_hash = :s AND trusted_until > :now")
                        .bind("u", userId)
                        .bind("d", deviceId)
                        .bind("s", secretHash)
                        .bind("now", now)
                        .mapTo(Integer.class)
                        .one()
                > 0;
    }

    public void trust(Handle h, UUID userId, String deviceId, String secretHash, Instant now, Instant until) {
        untrust(h, userId, deviceId);
        h.createUpdate("INSERT INTO trusted_devices (user_id, device_id, secret_hash, trusted_at, trusted_until)"
                        + " VALUES (:u, :d, :s, :now, :until)")
                .bind("u", userId)
                .bind("d", deviceId)
                .bind("s", secretHash)
                .bind("now", now)
                .bind("until", until)
                .execute();
    }

    public boolean untrust(Handle h, UUID userId, String deviceId) {
        return h.createUpdate("DELETE FROM trusted_devices WHERE user_id = :u AND device_id = :d")
                        .bind("u", userId)
                        .bind("d", deviceId)
                        .execute()
                > 0;
    }

    public int untrustAll(Handle h, UUID userId) {
        return h.createUpdate("DELETE FROM trusted_devices WHERE user_id = :u")
                .bind("u", userId)
                .execute();
    }

    public List<TrustedDevice> trustedDevices(Handle h, UUID userId, Instant now) {
        return h.createQuery("SELECT device_id, trusted_at, trusted_until FROM trusted_devices"
                        + " WHERE user_id = :u AND trusted_until > :now")
                .bind("u", userId)
                .bind("now", now)
                .map((rs, ctx) -> new TrustedDevice(
                        rs.getString("device_id"),
                        rs.getObject("trusted_at", OffsetDateTime.class).toInstant(),
                        rs.getObject("trusted_until", OffsetDateTime.class).toInstant()))
                .list();
    }

    /**
     * The user's sessions, newest use first, as the raw material of the device list (a device is the set of sessions
     * that carry its device id). Read-only; sessions are ended through SessionService.
     */
    public List<DeviceSession> deviceSessions(Handle h, UUID userId, String clientId, Instant now, int limit) {
        return h.createQuery("SELECT id, device_id, ip, user_agent, created_at, last_used_at, ended_at, expires_at"
                        + " FROM sessions WHERE user_id = :u AND client_id = :client ORDER BY last_used_at DESC"
                        + " LIMIT :limit")
                .bind("u", userId)
                .bind("client", clientId)
                .bind("limit", limit)
                .map((rs, ctx) -> new DeviceSession(
                        rs.getObject("id", UUID.class),
                        rs.getString("device_id"),
                        rs.getString("ip"),
                        rs.getString("user_agent"),
                        rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                        rs.getObject("last_used_at", OffsetDateTime.class).toInstant(),
                        rs.getObject("ended_at") == null
                                && rs.getObject("expires_at", OffsetDateTime.class)
                                        .toInstant()
                                        .isAfter(now)))
                .list();
    }
}
