package dev.gatehouse.mfa;

import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * A second factor that lives outside this package (WebAuthn): its method name in {@code methods}, and whether a user
 * has enrolled it. It completes a pending login through {@link MfaService#complete}.
 */
public interface ExtraFactor {
    String method();

    boolean enrolled(Handle h, UUID userId);

    /** Removes every enrolment of the user (an administrator's MFA reset), inside the caller's transaction. */
    default void reset(Handle h, UUID userId) {}
}
