package dev.gatehouse.mfa;

import dev.gatehouse.platform.crypto.MasterKey;
import dev.gatehouse.platform.crypto.Secrets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The codes of the second factors, shared by signing in ({@link MfaService}) and managing the factors ({@link
 * MfaFactors}): TOTP codes checked against the encrypted secret, each step spent once; backup codes, made, hashed and
 * spent one at a time.
 */
final class FactorCodes {
    static final int BACKUP_CODES = 10;
    private static final String CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

    private final JdbiMfaStore store;
    private final MasterKey masterKey;
    private final Secrets secrets;
    private final Clock clock;

    FactorCodes(JdbiMfaStore store, MasterKey masterKey, Secrets secrets, Clock clock) {
        this.store = store;
        this.masterKey = masterKey;
        this.secrets = secrets;
        this.clock = clock;
    }

    /** A TOTP code of the current step or one step either side, never one of an already used step. */
    boolean totpMatches(Handle h, UUID userId, String code, boolean requireEnabled) {
        if (code == null || !code.matches("\\d{6}")) return false;
        // Locked until the transaction ends: no concurrent check can pass with the same step before this one commits.
        var f = store.lockedFactors(h, userId);
        if (f.totpSecret() == null || (requireEnabled && !f.totpEnabled())) return false;
        byte[] secret = decryptSecret(userId, f.totpSecret());
        Instant now = clock.instant();
        long current = Totp.step(now.getEpochSecond());
        for (long step = current - 1; step <= current + 1; step++) {
            if (f.totpLastStep() != null && step <= f.totpLastStep()) continue;
            if (Secrets.constantTimeEquals(Totp.code(secret, step), code)) {
                store.spendStepLater(h, userId, step, now);
                return true;
            }
        }
        return false;
    }

    /** Spends the backup code when it is one of the user's unspent ones. */
    boolean backupMatches(Handle h, UUID userId, String code) {
        return normalizeBackupCode(code)
                .map(c -> store.spendBackupCode(h, userId, backupHash(userId, c), clock.instant()))
                .orElse(false);
    }

    /** Replaces the user's backup codes with 10 new ones, returned to be shown once. */
    List<String> replaceBackupCodes(Handle h, UUID userId) {
        List<String> codes = newBackupCodes();
        store.replaceBackupCodes(
                h,
                userId,
                codes.stream()
                        .map(c -> backupHash(userId, normalizeBackupCode(c).orElseThrow()))
                        .toList(),
                clock.instant());
        return codes;
    }

    String encryptSecret(UUID userId, byte[] secret) {
        return masterKey.encrypt(secret, context(userId));
    }

    byte[] decryptSecret(UUID userId, String encrypted) {
        return masterKey.decrypt(encrypted, context(userId));
    }

    private List<String> newBackupCodes() {
        var codes = new ArrayList<String>(BACKUP_CODES);
        for (int i = 0; i < BACKUP_CODES; i++) {
            byte[] b = secrets.bytes(16);
            var sb = new StringBuilder(19);
            for (int j = 0; j < 16; j++) {
                if (j > 0 && j % 4 == 0) sb.append('-');
                sb.append(CROCKFORD.charAt(b[j] & 31));
            }
            codes.add(sb.toString());
        }
        return codes;
    }

    /** 16 Crockford base32 characters, dashes and spaces ignored, case-insensitive; i/l read as 1 and o as 0. */
    static Optional<String> normalizeBackupCode(String code) {
        if (code == null || code.length() > 40) return Optional.empty();
        String c = code.toLowerCase(Locale.ROOT)
                .replace("-", "")
                .replace(" ", "")
                .replace('i', '1')
                .replace('l', '1')
                .replace('o', '0');
        if (c.length() != 16) return Optional.empty();
        for (char ch : c.toCharArray()) if (CROCKFORD.indexOf(ch) < 0) return Optional.empty();
        return Optional.of(c);
    }

    private static String backupHash(UUID userId, String normalized) {
        return Secrets.sha256(userId + ":" + normalized);
    }

    private static String context(UUID userId) {
        return "totp:" + userId;
    }
}
