package dev.gatehouse.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.platform.db.AlreadyExists;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@link UserStore} contract, on the engine under test (convention 7). */
@ServerTest
class UserStoreContractTest {
    /** Microsecond precision on purpose: both engines keep microseconds, so stored times must come back exact. */
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");

    static MigratedDatabase database;
    static Database db;
    final UserStore store = new JdbiUserStore();

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    static User user(String email) {
        return new User(
                UUID.randomUUID(),
                email,
                false,
                "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
                "Ada",
                "Lovelace",
                "active",
                false,
                T0,
                T0,
                T0,
                null,
                UserProfile.EMPTY);
    }

    void insert(User u) {
        db.useTransaction(h -> store.insert(h, u));
    }

    Optional<User> byId(UUID id) {
        return db.withHandle(h -> store.byId(h, id));
    }

    Optional<User> byEmail(String email) {
        return db.withHandle(h -> store.byEmail(h, email));
    }

    Optional<User> lock(UUID id) {
        return db.inTransaction(h -> store.lock(h, id));
    }

    boolean rehash(UUID id, String verified, String fresh) {
        return db.inTransaction(h -> store.rehash(h, id, verified, fresh));
    }

    long count() {
        return db.withHandle(h -> store.count(h));
    }

    @Test
    void whenRowIsMissing_thenLookupsAreEmpty() {
        assertThat(byId(UUID.randomUUID())).isEmpty();
        assertThat(byEmail("nobody@example.com")).isEmpty();
    }

    @Test
    void whenInserted_thenByIdReturnsEveryFieldUnchanged() {
        var full = new User(
                UUID.randomUUID(),
                "Full@Example.com",
                true,
                "hash",
                "Grace",
                "Hopper",
                "disabled",
                true,
                T0,
                T0.plusSeconds(1),
                T0.plusSeconds(2),
                T0.plusSeconds(3),
                new UserProfile(Map.of(
                        "nickname",
                        "Amazing Grace",
                        "zoneinfo",
                        "America/New_York",
                        "phone_number",
                        "+12025550143",
                        "address",
                        Map.of("street_address", "1 Navy Yard\nBuilding 2", "country", "US"))));
        var sparse = new User(
                UUID.randomUUID(),
                "sparse@example.com",
                false,
                null,
                null,
                null,
                "active",
                false,
                T0,
                T0,
                null,
                null,
                UserProfile.EMPTY);
        insert(full);
        insert(sparse);

        assertThat(byId(full.id())).contains(full);
        assertThat(byId(sparse.id())).contains(sparse);
    }

    @Test
    void whenLookingUpByEmail_thenCaseAndSurroundingSpaceDoNotMatter() {
        var u = user("Mixed.Case@Example.COM");
        insert(u);

        assertThat(byEmail("mixed.case@example.com"))
                .hasValueSatisfying(found -> assertThat(found.id()).isEqualTo(u.id()));
        assertThat(byEmail("  MIXED.CASE@EXAMPLE.com "))
                .hasValueSatisfying(found -> assertThat(found.email()).isEqualTo("Mixed.Case@Example.COM"));
    }

    @Test
    void whenEmailDiffersOnlyInCase_thenInsertThrowsAlreadyExistsAndKeepsTheFirst() {
        var first = user("A@x.com");
        insert(first);

        assertThatThrownBy(() -> insert(user("a@X.com"))).isInstanceOf(AlreadyExists.class);
        assertThat(byEmail("a@x.com"))
                .hasValueSatisfying(found -> assertThat(found.id()).isEqualTo(first.id()));
    }

    @Test
    void whenUpdatingMissingRow_thenEmptyAndNothingWritten() {
        UUID id = UUID.randomUUID();
        long before = count();

        Optional<User> updated = db.inTransaction(h -> store.update(h, id, u -> u));
        assertThat(updated).isEmpty();
        assertThat(count()).isEqualTo(before);
    }

    @Test
    void whenUpdated_thenChangeIsReturnedAndStored() {
        var u = user("update@example.com");
        insert(u);

        var changed = db.inTransaction(h -> store.update(
                h,
                u.id(),
                x -> new User(
                        x.id(),
                        x.email(),
                        true,
                        "new-hash",
                        null,
                        "Byron",
                        "disabled",
                        true,
                        x.createdAt(),
                        T0.plusSeconds(60),
                        T0.plusSeconds(60),
                        T0.plusSeconds(30),
                        new UserProfile(Map.of("locale", "fr-CA")))));

        assertThat(changed).isPresent();
        assertThat(byId(u.id())).isEqualTo(changed);
        assertThat(changed.get().firstName()).isNull();
        assertThat(changed.get().passwordHash()).isEqualTo("new-hash");
        assertThat(changed.get().profile().get("locale")).contains("fr-CA");

        var cleared = db.inTransaction(h -> store.update(
                h,
                u.id(),
                x -> x.withClaims(
                        x.firstName(),
                        x.lastName(),
                        x.profile().with(Map.of("locale", Optional.empty())),
                        x.updatedAt())));
        assertThat(cleared.orElseThrow().profile()).isEqualTo(UserProfile.EMPTY);
        assertThat(byId(u.id()).orElseThrow().profile()).isEqualTo(UserProfile.EMPTY);
    }

    @Test
    void whenEmailIsUpdated_thenLookupFollowsTheNewAddress() {
        var u = user("old@example.com");
        insert(u);

        db.useTransaction(h -> store.update(h, u.id(), x -> withEmail(x, "New@Example.com")));

        assertThat(byEmail("old@example.com")).isEmpty();
        assertThat(byEmail("new@example.com"))
                .hasValueSatisfying(found -> assertThat(found.id()).isEqualTo(u.id()));
    }

    @Test
    void whenEmailIsUpdatedToOneTaken_thenThrowsAlreadyExistsAndKeepsBoth() {
        var taken = user("taken@example.com");
        var other = user("other@example.com");
        insert(taken);
        insert(other);

        assertThatThrownBy(() ->
                        db.useTransaction(h -> store.update(h, other.id(), x -> withEmail(x, "TAKEN@example.com"))))
                .isInstanceOf(AlreadyExists.class);
        assertThat(byId(other.id()))
                .hasValueSatisfying(found -> assertThat(found.email()).isEqualTo("other@example.com"));
    }

    @Test
    void whenUpdatesRaceOnOneRow_thenNoneIsLost() {
        var u = user("counter@example.com");
        insert(new User(u.id(), u.email(), false, null, "0", null, "active", false, T0, T0, null, null, null));
        int threads = 4;
        int rounds = 10;
        var calls = new AtomicInteger();

        Race.run(threads, () -> {
            for (int i = 0; i < rounds; i++) {
                db.useTransaction(h -> store.update(h, u.id(), x -> {
                    calls.incrementAndGet();
                    pause(); // widen the read-modify-write window: without a row lock, updates would be lost
                    return x.withClaims(
                            Integer.toString(Integer.parseInt(x.firstName()) + 1),
                            x.lastName(),
                            x.profile(),
                            x.updatedAt());
                }));
            }
            return null;
        });

        assertThat(byId(u.id()).orElseThrow().firstName()).isEqualTo(Integer.toString(threads * rounds));
        assertThat(calls).hasValue(threads * rounds);
    }

    @Test
    void whenLocked_thenTheUserIsReturnedAndAMissingOneIsEmpty() {
        var u = user("lock@example.com");
        insert(u);

        assertThat(lock(u.id())).contains(u);
        assertThat(lock(UUID.randomUUID())).isEmpty();
    }

    @Test
    void whenRehashedOverTheHashVerified_thenOnlyTheHashChanges() {
        var u = user("rehash@example.com");
        insert(u);

        assertThat(rehash(u.id(), u.passwordHash(), "fresh-hash")).isTrue();

        assertThat(byId(u.id())).contains(u.withRehashedPassword("fresh-hash"));
    }

    @Test
    void whenThePasswordChangedSinceItWasVerified_thenTheRehashChangesNothing() {
        var u = user("rehash-late@example.com");
        insert(u);
        var reset =
                db.inTransaction(h -> store.update(h, u.id(), x -> x.withPassword("reset-hash", T0.plusSeconds(60))));

        assertThat(rehash(u.id(), u.passwordHash(), "fresh-hash")).isFalse();
        assertThat(rehash(UUID.randomUUID(), u.passwordHash(), "fresh-hash")).isFalse();

        assertThat(byId(u.id())).isEqualTo(reset);
    }

    @Test
    void whenLoginIsTouched_thenOnlyLastLoginChanges() {
        var u = user("touch@example.com");
        insert(u);
        Instant at = T0.plus(Duration.ofMinutes(5));

        db.useTransaction(h -> store.touchLogin(h, u.id(), at));
        db.useTransaction(h -> store.touchLogin(h, UUID.randomUUID(), at)); // unknown id: no-op

        var expected = new User(
                u.id(),
                u.email(),
                u.emailVerified(),
                u.passwordHash(),
                u.firstName(),
                u.lastName(),
                u.status(),
                u.passwordChangeRequired(),
                u.createdAt(),
                u.updatedAt(),
                u.passwordChangedAt(),
                at,
                u.profile());
        assertThat(byId(u.id())).contains(expected);
    }

    @Test
    void whenUsersAreInserted_thenCountGrowsByThatMany() {
        long before = count();

        insert(user("count1@example.com"));
        insert(user("count2@example.com"));

        assertThat(count()).isEqualTo(before + 2);
    }

    private static User withEmail(User x, String email) {
        return new User(
                x.id(),
                email,
                x.emailVerified(),
                x.passwordHash(),
                x.firstName(),
                x.lastName(),
                x.status(),
                x.passwordChangeRequired(),
                x.createdAt(),
                x.updatedAt(),
                x.passwordChangedAt(),
                x.lastLoginAt(),
                x.profile());
    }

    private static void pause() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
