package dev.gatehouse.login;

import dev.gatehouse.auth.FactorKinds;
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
     * two kinds of factor were used ({@link FactorKinds}: a sign-in link and a mailed code are one, the mailbox).
     */
    public static List<String> amrOf(String method) {
        return amrOf(method, List.of());
    }

    /**
     * As {@link #amrOf(String)}, for a sign-in that may include a WebAuthn assertion: {@code keyAmr} are the values the
     * verified assertion proves ({@code hwk} or {@code swk}, {@code user}, and {@code mfa} when the authenticator
     * verified the user; ADR 0010). A {@code webauthn} second factor adds them as one more factor; a {@code passkey}
     * sign-in is one factor, or two when the authenticator verified the user.
     */
    public static List<String> amrOf(String method, List<String> keyAmr) {
        var out = new java.util.ArrayList<String>();
        var kinds = new java.util.HashSet<String>();
        for (String factor : method.split("\\+", -1)) {
            switch (factor) {
                case "password" -> add(out, "pwd");
                // A sign-in link mailed to the account's address is a one-time password the mail carries.
                case "totp", "email", "backup_code", "magic_link" -> add(out, "otp");
                case "webauthn", "passkey" -> {
                    keyAmr.stream().filter(v -> !v.equals("mfa")).forEach(v -> add(out, v));
                    // The verification the authenticator did (a PIN, a biometric) is a factor of its own.
                    if (factor.equals("passkey") && keyAmr.contains("mfa")) kinds.add("user_verification");
                }
                default -> {
                    continue;
                }
            }
            kinds.add(FactorKinds.of(factor));
        }
        if (out.isEmpty()) out.add("pwd");
        if (kinds.size() >= 2) out.add("mfa");
        return List.copyOf(out);
    }

    /**
     * The method this session's sign-in began with, for a step-up that adds a second factor to it ({@code
     * SsoSignIn.stepUp}): the password, a passkey, or a sign-in link.
     */
    public String firstFactor() {
        if (amr.contains("pwd")) return "password";
        if (amr.contains("hwk") || amr.contains("swk")) return "passkey";
        if (amr.contains("otp")) return "magic_link";
        return "password";
    }

    private static void add(List<String> out, String value) {
        if (!out.contains(value)) out.add(value);
    }
}
