package dev.gatehouse.oauth.authorize;

import java.util.List;
import java.util.Optional;

/**
 * Authentication context classes (OIDC Core §2 {@code acr}, §3.1.2.1 {@code acr_values}) Gatehouse can state truthfully,
 * weakest first. Today a sign-in is a password only. The hook for MFA: add its class after {@link #PASSWORD} and map
 * its {@code amr} values in {@link #achievedBy}; a request for it then sends a password-only session to sign in again.
 */
public final class Acr {
    public static final String PASSWORD = "urn:gatehouse:acr:pwd";

    /** Every class Gatehouse can reach, weakest first; advertised as {@code acr_values_supported}. */
    public static final List<String> SUPPORTED = List.of(PASSWORD);

    private Acr() {}

    /** The class a sign-in with these authentication methods (RFC 8176 amr values) reached. */
    public static String achievedBy(List<String> amr) {
        return PASSWORD;
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

    /** Whether signing in again could reach one of the requested classes (a known class above the achieved one). */
    public static boolean reachableBySigningIn(String achieved, List<String> requested) {
        int rank = SUPPORTED.indexOf(achieved);
        return requested.stream().anyMatch(r -> SUPPORTED.indexOf(r) > rank);
    }
}
