package dev.gatehouse.webauthn;

import dev.gatehouse.mfa.ExtraFactor;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * WebAuthn as a second factor of the MFA gate: a user with at least one registered security key or passkey has the
 * method {@code webauthn}, and an administrator's MFA reset removes those credentials.
 */
public final class WebAuthnFactor implements ExtraFactor {
    public static final String METHOD = "webauthn";

    private final JdbiWebAuthnStore store;

    public WebAuthnFactor(JdbiWebAuthnStore store) {
        this.store = store;
    }

    @Override
    public String method() {
        return METHOD;
    }

    @Override
    public boolean enrolled(Handle h, UUID userId) {
        return store.countForUser(h, userId) > 0;
    }

    @Override
    public void reset(Handle h, UUID userId) {
        store.deleteAllForUser(h, userId);
    }
}
