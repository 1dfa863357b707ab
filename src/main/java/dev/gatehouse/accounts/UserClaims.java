package dev.gatehouse.accounts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * An account as OIDC Core §5.1 standard claims: every claim Gatehouse can release about a user, which scopes map to
 * (the scopes table), userinfo releases, and discovery lists as {@code claims_supported}.
 */
public final class UserClaims {
    /** Every claim an account can have, in OIDC Core §5.1's order. */
    public static final List<String> NAMES = Stream.of(
                    List.of("sub", "name", "given_name", "family_name"),
                    UserProfile.NAMES.subList(0, UserProfile.NAMES.indexOf("phone_number")),
                    List.of(
                            "email",
                            "email_verified",
                            "phone_number",
                            "phone_number_verified",
                            "address",
                            "updated_at"))
            .flatMap(List::stream)
            .toList();

    /** The claims the account's owner may set (PUT /oauth2/userinfo); the others are derived or proven elsewhere. */
    public static final List<String> UPDATABLE = Stream.concat(
                    Stream.of("given_name", "family_name"), UserProfile.NAMES.stream())
            .toList();

    private UserClaims() {}

    /** The user's {@code wanted} claims that have a value, in {@link #NAMES} order. */
    public static Map<String, Object> of(User u, Predicate<String> wanted) {
        var claims = new LinkedHashMap<String, Object>();
        for (String claim : NAMES) {
            if (!wanted.test(claim)) continue;
            Object value = value(u, claim);
            if (value != null) claims.put(claim, value);
        }
        return claims;
    }

    private static Object value(User u, String claim) {
        return switch (claim) {
            case "sub" -> u.id().toString();
            case "name" -> {
                String name = (nullToEmpty(u.firstName()) + " " + nullToEmpty(u.lastName())).trim();
                yield name.isEmpty() ? null : name;
            }
            case "given_name" -> emptyToNull(u.firstName());
            case "family_name" -> emptyToNull(u.lastName());
            case "email" -> u.email();
            case "email_verified" -> u.emailVerified();
            // Gatehouse sends no text messages, so a phone number is never one it has verified.
            case "phone_number_verified" -> u.profile().get("phone_number").isPresent() ? Boolean.FALSE : null;
            case "updated_at" -> u.updatedAt() == null ? null : u.updatedAt().getEpochSecond();
            default -> u.profile().get(claim).orElse(null);
        };
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /**
     * The value to store for an {@link #UPDATABLE} claim: empty to clear it (null or ""), else the checked value.
     *
     * @throws IllegalArgumentException naming the claim and what it must be
     */
    public static Optional<Object> check(String claim, JsonNode v) {
        if (!UPDATABLE.contains(claim))
            throw new IllegalArgumentException("the claim " + UserProfile.safe(claim)
                    + " cannot be changed here; updatable claims: " + String.join(", ", UPDATABLE));
        if (!claim.equals("given_name") && !claim.equals("family_name")) return UserProfile.check(claim, v);
        if (v == null || v.isNull()) return Optional.empty();
        if (!v.isTextual()) throw new IllegalArgumentException(claim + " must be a string or null");
        String s = v.asText().strip();
        String problem = UserProfile.line(s, 100);
        if (problem != null) throw new IllegalArgumentException(claim + " " + problem);
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
