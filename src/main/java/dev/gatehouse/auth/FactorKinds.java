package dev.gatehouse.auth;

/**
 * What each way of signing in proves, for counting factors (RFC 8176 §2 {@code mfa}; ADR 0032): a sign-in link and a
 * mailed code both prove control of the mailbox, so the one after the other is one factor, as two assertions of
 * security keys are. A password, an authenticator app and the backup codes each prove something of their own.
 */
public final class FactorKinds {
    private FactorKinds() {}

    /** The kind of proof a sign-in method gives ({@code password}, {@code totp}, {@code email}, ...). */
    public static String of(String method) {
        return switch (method) {
            case "email", "magic_link" -> "mailbox";
            case "webauthn", "passkey" -> "security_key";
            default -> method;
        };
    }

    /** Whether the two methods prove the same thing, so that together they are one factor. */
    public static boolean same(String method, String other) {
        return of(method).equals(of(other));
    }
}
