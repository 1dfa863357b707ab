package dev.gatehouse.webauthn;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A registered WebAuthn credential. {@code credentialId} and {@code publicKeyCose} are base64url without padding;
 * {@code discoverable} is null when the client did not say (no credProps output).
 */
public record WebAuthnCredential(
        UUID id,
        UUID userId,
        String credentialId,
        String publicKeyCose,
        long signCount,
        String name,
        List<String> transports,
        Boolean discoverable,
        boolean backupEligible,
        boolean backedUp,
        String aaguid,
        Instant createdAt,
        Instant lastUsedAt) {

    public WebAuthnCredential {
        transports = List.copyOf(transports);
    }
}
