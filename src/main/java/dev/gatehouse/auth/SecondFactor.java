package dev.gatehouse.auth;

import dev.gatehouse.accounts.User;
import dev.gatehouse.platform.http.RequestInfo;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Decides, inside the sign-in transaction, whether a user who passed the first factor still owes a second one. When
 * so, it opens a pending login and answers its opaque {@code mfa_token}; no session exists until that is completed.
 */
@FunctionalInterface
public interface SecondFactor {
    /** The answer to a sign-in that needs a second factor ({@code setupRequired}: policy demands one, none enrolled). */
    record MfaRequired(String mfaToken, List<String> methods, boolean setupRequired) {}

    Optional<MfaRequired> challenge(Handle h, User user, String deviceId, String firstMethod, RequestInfo info);

    /**
     * A step-up: a user already signed in with {@code firstMethod} is asked for a second factor because a client demands
     * one ({@code acr_values}). Unlike {@link #challenge}, a trusted device does not skip it; empty when the user has no
     * second factor to give. The pending login is bound to the SSO session {@code ssoSessionId}: it can only add a
     * factor to that session, and the API does not redeem it.
     */
    default Optional<MfaRequired> stepUp(
            Handle h, User user, String deviceId, String firstMethod, java.util.UUID ssoSessionId, RequestInfo info) {
        return Optional.empty();
    }

    /**
     * The second factors a {@link #stepUp} from {@code firstMethod} would ask for: those the user has of another kind
     * than the first ({@link FactorKinds}); empty when none.
     */
    default List<String> stepUpMethods(Handle h, java.util.UUID userId, String firstMethod) {
        return List.of();
    }

    SecondFactor NONE = (h, user, deviceId, firstMethod, info) -> Optional.empty();
}
