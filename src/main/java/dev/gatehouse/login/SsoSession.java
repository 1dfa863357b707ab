package dev.gatehouse.login;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A browser's sign-in at the hosted login page; lets later authorization requests skip the password. {@code amr} are
 * the RFC 8176 authentication methods the sign-in used ({@link #amrOf}), carried into the ID tokens issued from it.
 */
public record SsoSession(UUID id, UUID userId, Instant authTime, Instant expiresAt, List<String> amr) {
    public SsoSession {
        amr = List.copyOf(amr);
    }

    /** A password-only sign-in. */
    public SsoSession(UUID id, UUID userId, Instant authTime, Instant expiresAt) {
        this(id, userId, authTime, expiresAt, List.of("pwd"));
    }

    /**
     * The RFC 8176 §2 values of a sign-in described as its factors joined by {@code +} (the audited method, e.g.
     * {@code password+totp}): {@code pwd} for the password; {@code otp} for a one-time code, whether from a TOTP app, an
     * email or the single-use backup list (RFC 8176 has no narrower value for the last two); and {@code mfa} as soon as
     * two factors were used.
     */
    public static List<String> amrOf(String method) {
        var out = new java.util.ArrayList<String>();
        int factors = 0;
        for (String factor : method.split("\\+", -1)) {
            String value = switch (factor) {
                case "password" -> "pwd";
                case "totp", "email", "backup_code" -> "otp";
                default -> null;
            };
            if (value == null) continue;
            factors++;
            if (!out.contains(value)) out.add(value);
        }
        if (out.isEmpty()) out.add("pwd");
        if (factors >= 2) out.add("mfa");
        return List.copyOf(out);
    }
}
