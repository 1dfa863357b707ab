package dev.gatehouse.oauth.authorize;

import java.util.List;
import java.util.Optional;

/**
 * Authentication context classes (OIDC Core §2 {@code acr}, §3.1.2.1 {@code acr_values}) Gatehouse can state truthfully,
 * weakest first: a password alone, or a password and a second factor. The class of a sign-in follows from its RFC 8176
 * {@code amr} values ({@link #achievedBy}); a request for a stronger class sends a password-only session through the
 * hosted second step when the user has one (ADR 0006).
 */
public final class Acr {
    public static final String PASSWORD = "urn:gatehouse:acr:pwd";
    public static final String MFA = "urn:gatehouse:acr:mfa";

    /** Every class Gatehouse can reach, weakest first; advertised as {@code acr_values_supported}. */
    public static final List<String> SUPPORTED = List.of(PASSWORD, MFA);

    private Acr() {}

    /** The class a sign-in with these authentication methods (RFC 8176 amr values) reached. */
    public static String achievedBy(List<String> amr) {
        return amr.contains("mfa") ? MFA : PASSWORD;
    }

    /** The first requested class the achieved one meets: the same class, or a weaker one Gatehouse knows. */
    public static Optional<String> satisfied(String achieved, List<String> requested) {
        int rank = SUPPORTED.indexOf(achieved);
        return requested.stream()
                .filter(r -> {
                    int wanted = SUPPORTED.indexOf(r);
                    return wanted >= 0 && wanted <= rank;
                })
                .findFirst();
    }

    /** Whether a stronger sign-in could reach one of the requested classes (a known class above the achieved one). */
    public static boolean reachableBySigningIn(String achieved, List<String> requested) {
        int rank = SUPPORTED.indexOf(achieved);
        return requested.stream().anyMatch(r -> SUPPORTED.indexOf(r) > rank);
    }
}
