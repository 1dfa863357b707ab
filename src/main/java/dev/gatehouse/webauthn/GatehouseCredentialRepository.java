package dev.gatehouse.webauthn;

import com.yubico.webauthn.CredentialRepository;
import com.yubico.webauthn.RegisteredCredential;
import com.yubico.webauthn.data.AuthenticatorTransport;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.PublicKeyCredentialDescriptor;
import com.yubico.webauthn.data.exception.Base64UrlException;
import dev.gatehouse.platform.db.Database;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Yubico's {@link CredentialRepository} over {@link JdbiWebAuthnStore}. The library's "username" is Gatehouse's account
 * id as a string: stable when the email changes, and never shown to an authenticator (the creation options carry the
 * email as {@code user.name}). Anything that is not an account id is an unknown user.
 */
public final class GatehouseCredentialRepository implements CredentialRepository {
    private final Database db;
    private final JdbiWebAuthnStore store;

    public GatehouseCredentialRepository(Database db, JdbiWebAuthnStore store) {
        this.db = db;
        this.store = store;
    }

    @Override
    public Set<PublicKeyCredentialDescriptor> getCredentialIdsForUsername(String username) {
        Optional<UUID> userId = parse(username);
        if (userId.isEmpty()) return Set.of();
        return db.withHandle(h -> store.listForUser(h, userId.get())).stream()
                .map(GatehouseCredentialRepository::descriptor)
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    @Override
    public Optional<ByteArray> getUserHandleForUsername(String username) {
        return parse(username)
                .flatMap(id -> db.withHandle(h -> store.userHandle(h, id)))
                .map(GatehouseCredentialRepository::bytes);
    }

    @Override
    public Optional<String> getUsernameForUserHandle(ByteArray userHandle) {
        return db.withHandle(h -> store.userIdForHandle(h, userHandle.getBase64Url()))
                .map(UUID::toString);
    }

    @Override
    public Optional<RegisteredCredential> lookup(ByteArray credentialId, ByteArray userHandle) {
        return db.withHandle(h -> store.byCredentialId(h, credentialId.getBase64Url())
                .flatMap(c -> store.userHandle(h, c.userId())
                        .filter(handle -> handle.equals(userHandle.getBase64Url()))
                        .map(handle -> registered(c, handle))));
    }

    @Override
    public Set<RegisteredCredential> lookupAll(ByteArray credentialId) {
        return db.withHandle(h -> store.byCredentialId(h, credentialId.getBase64Url())
                .flatMap(c -> store.userHandle(h, c.userId()).map(handle -> registered(c, handle)))
                .map(Set::of)
                .orElse(Set.of()));
    }

    static PublicKeyCredentialDescriptor descriptor(WebAuthnCredential c) {
        return PublicKeyCredentialDescriptor.builder()
                .id(bytes(c.credentialId()))
                .transports(transports(c))
                .build();
    }

    // Transports and backup flags are marked EXPERIMENTAL (deprecated) by the library; they still feed its checks.
    @SuppressWarnings("deprecation")
    private static RegisteredCredential registered(WebAuthnCredential c, String userHandle) {
        return RegisteredCredential.builder()
                .credentialId(bytes(c.credentialId()))
                .userHandle(bytes(userHandle))
                .publicKeyCose(bytes(c.publicKeyCose()))
                .signatureCount(c.signCount())
                .transports(transports(c))
                .backupEligible(c.backupEligible())
                .backupState(c.backedUp())
                .build();
    }

    private static Set<AuthenticatorTransport> transports(WebAuthnCredential c) {
        return c.transports().stream().map(AuthenticatorTransport::of).collect(Collectors.toCollection(TreeSet::new));
    }

    static ByteArray bytes(String base64url) {
        try {
            return ByteArray.fromBase64Url(base64url);
        } catch (Base64UrlException e) {
            throw new IllegalStateException("stored WebAuthn value is not base64url", e);
        }
    }

    private static Optional<UUID> parse(String username) {
        try {
            return Optional.of(UUID.fromString(username));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
