package dev.gatehouse.webauthn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.yubico.webauthn.data.AuthenticatorTransport;
import com.yubico.webauthn.data.ByteArray;
import dev.gatehouse.platform.db.AlreadyExists;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@link JdbiWebAuthnStore} contract and the Yubico repository over it, on the engine under test. */
@ServerTest
class WebAuthnStoreContractTest {
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");
    static final AtomicInteger serial = new AtomicInteger();

    static MigratedDatabase database;
    static Database db;
    final JdbiWebAuthnStore store = new JdbiWebAuthnStore();
    GatehouseCredentialRepository repository;

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    GatehouseCredentialRepository repository() {
        if (repository == null) repository = new GatehouseCredentialRepository(db, store);
        return repository;
    }

    UUID newUser() {
        return database.insertUser("u" + UUID.randomUUID() + "@example.com");
    }

    static String b64(int n, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte) (n + i);
        return new ByteArray(b).getBase64Url();
    }

    String handleOf(UUID user) {
        return db.inTransaction(h -> store.ensureUserHandle(h, user, b64(serial.incrementAndGet(), 32), T0));
    }

    WebAuthnCredential credential(UUID user, Instant created, List<String> transports, Boolean discoverable) {
        int n = serial.incrementAndGet();
        return new WebAuthnCredential(
                UUID.randomUUID(),
                user,
                b64(n, 48),
                b64(n + 7, 77),
                5,
                "key " + n,
                transports,
                discoverable,
                true,
                false,
                "67617465-686f-7573-652d-746573740001",
                created,
                null);
    }

    WebAuthnCredential stored(UUID user, Instant created) {
        var c = credential(user, created, List.of("internal", "hybrid"), true);
        db.useTransaction(h -> store.insert(h, c));
        return c;
    }

    Optional<WebAuthnCredential> byId(UUID id) {
        return db.withHandle(h -> store.byId(h, id));
    }

    Optional<PendingCeremony> take(String hash, Instant now) {
        return db.inTransaction(h -> store.takeCeremony(h, hash, now));
    }

    boolean rename(UUID user, UUID id, String name) {
        return db.inTransaction(h -> store.rename(h, user, id, name));
    }

    boolean delete(UUID user, UUID id) {
        return db.inTransaction(h -> store.delete(h, user, id));
    }

    boolean recordUse(UUID id, long count, boolean backedUp, Instant now) {
        return db.inTransaction(h -> store.recordUse(h, id, count, backedUp, now));
    }

    Optional<UUID> userForHandle(String handle) {
        return db.withHandle(h -> store.userIdForHandle(h, handle));
    }

    Optional<String> handle(UUID user) {
        return db.withHandle(h -> store.userHandle(h, user));
    }

    Optional<WebAuthnCredential> byCredentialId(String credentialId) {
        return db.withHandle(h -> store.byCredentialId(h, credentialId));
    }

    int count(UUID user) {
        return db.withHandle(h -> store.countForUser(h, user));
    }

    List<WebAuthnCredential> list(UUID user) {
        return db.withHandle(h -> store.listForUser(h, user));
    }

    int purge(Instant now) {
        return db.inTransaction(h -> store.purgeExpired(h, now));
    }

    PendingCeremony ceremony(UUID user, String purpose, Duration ttl) {
        String hash = "%064x".formatted(serial.incrementAndGet());
        var c = new PendingCeremony(
                hash, purpose, user, user == null ? null : "binding", "{\"r\":1}", T0, T0.plus(ttl));
        db.useTransaction(h -> store.insertCeremony(h, c));
        return c;
    }

    // ---- user handles

    @Test
    void whenAHandleIsEnsuredTwice_thenTheFirstStaysAndMapsBothWays() {
        UUID user = newUser();
        String first = handleOf(user);
        String second = handleOf(user);

        assertThat(second).isEqualTo(first);
        assertThat(userForHandle(first)).contains(user);
        assertThat(userForHandle(b64(200, 32))).isEmpty();
    }

    @Test
    void whenTwoTransactionsCreateAUsersHandleAtOnce_thenBothGetTheSameOne() {
        UUID user = newUser();
        var next = new AtomicInteger(100);
        var results = Race.run(
                4, () -> db.inTransaction(h -> store.ensureUserHandle(h, user, b64(next.incrementAndGet(), 32), T0)));

        assertThat(results).hasSize(4);
        assertThat(results.stream().distinct()).hasSize(1);
    }

    // ---- credentials

    @Test
    void whenInserted_thenEveryFieldComesBackUnchanged() {
        UUID user = newUser();
        var c = credential(user, T0, List.of("usb", "nfc"), null);
        db.useTransaction(h -> store.insert(h, c));

        assertThat(byId(c.id())).contains(c);
        assertThat(byCredentialId(c.credentialId())).contains(c);
    }

    @Test
    void whenNoTransports_thenAnEmptyListComesBack() {
        UUID user = newUser();
        var c = credential(user, T0, List.of(), false);
        db.useTransaction(h -> store.insert(h, c));

        assertThat(byId(c.id()).orElseThrow().transports()).isEmpty();
        assertThat(byId(c.id()).orElseThrow().discoverable()).isFalse();
    }

    @Test
    void whenACredentialIdIsRegisteredTwice_thenAlreadyExists() {
        UUID a = newUser();
        UUID b = newUser();
        var c = stored(a, T0);
        var copy = new WebAuthnCredential(
                UUID.randomUUID(),
                b,
                c.credentialId(),
                c.publicKeyCose(),
                0,
                "copy",
                List.of(),
                null,
                false,
                false,
                c.aaguid(),
                T0,
                null);

        assertThatThrownBy(() -> db.useTransaction(h -> store.insert(h, copy))).isInstanceOf(AlreadyExists.class);
    }

    @Test
    void whenListed_thenOnlyTheUsersOwnOldestFirst() {
        UUID user = newUser();
        UUID other = newUser();
        var later = stored(user, T0.plusSeconds(10));
        var earlier = stored(user, T0);
        stored(other, T0);

        var list = list(user);

        assertThat(list).extracting(WebAuthnCredential::id).containsExactly(earlier.id(), later.id());
        assertThat(count(user)).isEqualTo(2);
    }

    @Test
    void whenRenamedOrDeletedByAnotherUser_thenNothingChanges() {
        UUID owner = newUser();
        UUID other = newUser();
        var c = stored(owner, T0);

        assertThat(rename(other, c.id(), "x")).isFalse();
        assertThat(delete(other, c.id())).isFalse();
        assertThat(byId(c.id()).orElseThrow().name()).isEqualTo(c.name());

        assertThat(rename(owner, c.id(), "Laptop")).isTrue();
        assertThat(byId(c.id()).orElseThrow().name()).isEqualTo("Laptop");
        assertThat(delete(owner, c.id())).isTrue();
        assertThat(byId(c.id())).isEmpty();
    }

    @Test
    void whenUseIsRecorded_thenTheCounterMustGrow() {
        UUID user = newUser();
        var c = stored(user, T0); // count 5
        Instant used = T0.plusSeconds(60);

        assertThat(recordUse(c.id(), 5, true, used)).isFalse();
        assertThat(recordUse(c.id(), 4, true, used)).isFalse();
        assertThat(byId(c.id()).orElseThrow().lastUsedAt()).isNull();

        assertThat(recordUse(c.id(), 6, true, used)).isTrue();
        var after = byId(c.id()).orElseThrow();
        assertThat(after.signCount()).isEqualTo(6);
        assertThat(after.backedUp()).isTrue();
        assertThat(after.lastUsedAt()).isEqualTo(used);
    }

    @Test
    void whenTheCounterStaysZero_thenUseIsRecordedEveryTime() {
        UUID user = newUser();
        var c = new WebAuthnCredential(
                UUID.randomUUID(),
                user,
                b64(serial.incrementAndGet(), 16),
                b64(9, 77),
                0,
                "platform",
                List.of("internal"),
                true,
                true,
                true,
                "00000000-0000-0000-0000-000000000000",
                T0,
                null);
        db.useTransaction(h -> store.insert(h, c));

        assertThat(recordUse(c.id(), 0, true, T0.plusSeconds(1))).isTrue();
        assertThat(recordUse(c.id(), 0, true, T0.plusSeconds(2))).isTrue();
    }

    @Test
    void whenTwoUsesWithTheSameCounterRace_thenOneWins() {
        UUID user = newUser();
        var c = stored(user, T0);

        var results = Race.run(4, () -> recordUse(c.id(), 6, false, T0));

        assertThat(results.stream().filter(Boolean::booleanValue)).hasSize(1);
    }

    // ---- ceremonies

    @Test
    void whenACeremonyIsTaken_thenItComesBackOnceWithEveryField() {
        UUID user = newUser();
        var c = ceremony(user, "register", Duration.ofMinutes(5));

        assertThat(take(c.challengeHash(), T0.plusSeconds(1))).contains(c);
        assertThat(take(c.challengeHash(), T0.plusSeconds(2))).isEmpty();
    }

    @Test
    void whenACeremonyWithoutUserIsTaken_thenItsNullsComeBack() {
        var c = ceremony(null, "login", Duration.ofMinutes(5));

        var taken = take(c.challengeHash(), T0).orElseThrow();

        assertThat(taken.userId()).isNull();
        assertThat(taken.binding()).isNull();
    }

    @Test
    void whenACeremonyHasExpired_thenTakingItGivesNothingAndRemovesIt() {
        var c = ceremony(newUser(), "login", Duration.ofMinutes(5));
        Instant expiry = T0.plus(Duration.ofMinutes(5));

        assertThat(take(c.challengeHash(), expiry)).isEmpty();
        assertThat(take(c.challengeHash(), T0)).isEmpty();
    }

    @Test
    void whenManyTakeTheSameCeremonyAtOnce_thenExactlyOneGetsIt() {
        var c = ceremony(newUser(), "login", Duration.ofMinutes(5));

        var results = Race.run(6, () -> take(c.challengeHash(), T0.plusSeconds(1)));

        assertThat(results.stream().filter(Optional::isPresent)).hasSize(1);
    }

    @Test
    void whenExpiredCeremoniesArePurged_thenOnlyLiveOnesRemain() {
        var dead = ceremony(newUser(), "login", Duration.ofSeconds(1));
        var live = ceremony(newUser(), "login", Duration.ofHours(1));

        int purged = purge(T0.plusSeconds(2));

        assertThat(purged).isGreaterThanOrEqualTo(1);
        assertThat(take(dead.challengeHash(), T0)).isEmpty();
        assertThat(take(live.challengeHash(), T0)).isPresent();
    }

    @Test
    void whenTheUserIsDeleted_thenCredentialsHandlesAndCeremoniesGoWithIt() {
        UUID user = newUser();
        handleOf(user);
        var c = stored(user, T0);
        var pending = ceremony(user, "register", Duration.ofMinutes(5));

        db.useTransaction(h -> h.createUpdate("DELETE FROM users WHERE id = :id")
                .bind("id", user)
                .execute());

        assertThat(byId(c.id())).isEmpty();
        assertThat(handle(user)).isEmpty();
        assertThat(take(pending.challengeHash(), T0)).isEmpty();
    }

    // ---- the Yubico repository

    @Test
    void whenTheLibraryAsksByUsername_thenTheAccountIdIsTheUsername() {
        UUID user = newUser();
        String handle = handleOf(user);
        var c = stored(user, T0);
        var repo = repository();

        var ids = repo.getCredentialIdsForUsername(user.toString());
        assertThat(ids).hasSize(1);
        var descriptor = ids.iterator().next();
        assertThat(descriptor.getId().getBase64Url()).isEqualTo(c.credentialId());
        assertThat(descriptor.getTransports().orElseThrow())
                // By its id: the HYBRID constant is deprecated in Yubico 2.9, and of("hybrid") returns that same
                // constant.
                .containsExactlyInAnyOrder(AuthenticatorTransport.INTERNAL, AuthenticatorTransport.of("hybrid"));
        assertThat(repo.getUserHandleForUsername(user.toString()).orElseThrow().getBase64Url())
                .isEqualTo(handle);
        assertThat(repo.getUsernameForUserHandle(GatehouseCredentialRepository.bytes(handle)))
                .contains(user.toString());
        assertThat(repo.getCredentialIdsForUsername("someone@example.com")).isEmpty();
        assertThat(repo.getUserHandleForUsername("not-an-id")).isEmpty();
    }

    @Test
    void whenTheLibraryLooksUpACredential_thenOnlyWithItsOwnersHandle() {
        UUID owner = newUser();
        UUID other = newUser();
        String ownerHandle = handleOf(owner);
        String otherHandle = handleOf(other);
        var c = stored(owner, T0);
        var repo = repository();
        ByteArray id = GatehouseCredentialRepository.bytes(c.credentialId());

        var found = repo.lookup(id, GatehouseCredentialRepository.bytes(ownerHandle))
                .orElseThrow();
        assertThat(found.getSignatureCount()).isEqualTo(5);
        assertThat(found.getPublicKeyCose().getBase64Url()).isEqualTo(c.publicKeyCose());
        assertThat(repo.lookup(id, GatehouseCredentialRepository.bytes(otherHandle)))
                .isEmpty();
        assertThat(repo.lookupAll(id)).hasSize(1);
        assertThat(repo.lookupAll(GatehouseCredentialRepository.bytes(b64(250, 20))))
                .isEmpty();
    }
}
