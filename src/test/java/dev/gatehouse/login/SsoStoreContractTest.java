package dev.gatehouse.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.MigratedDatabase;
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

/** The {@link JdbiSsoStore} contract, on the engine under test. */
@ServerTest
class SsoStoreContractTest {
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");
    static final AtomicInteger hashes = new AtomicInteger();
    /** A use-since bound that every session of these tests meets, for the tests not about idle sessions. */
    static final Instant LONG_AGO = T0.minus(Duration.ofDays(365));

    static MigratedDatabase database;
    static Database db;
    final JdbiSsoStore store = new JdbiSsoStore();

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    record Inserted(SsoSession session, String hash) {}

    Inserted insert(Duration ttl) {
        UUID user = database.insertUser("s" + UUID.randomUUID() + "@example.com");
        var s = new SsoSession(UUID.randomUUID(), user, T0.minusSeconds(10), T0.plus(ttl));
        String hash = "%064x".formatted(hashes.incrementAndGet());
        db.useTransaction(h -> store.insert(h, s, hash, s.authTime(), "192.0.2.1", "Firefox/1"));
        return new Inserted(s, hash);
    }

    @Test
    void whenInserted_thenActiveReturnsEveryFieldUnchanged() {
        var i = insert(Duration.ofDays(1));

        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, i.hash(), T0, LONG_AGO)))
                .contains(i.session());
    }

    @Test
    void whenTheAccountIsNoLongerActive_thenItsSessionSignsNothingInButCanStillBeEnded() {
        var i = insert(Duration.ofDays(1));
        database.db()
                .useTransaction(h -> h.createUpdate("UPDATE users SET status = 'disabled' WHERE id = :id")
                        .bind("id", i.session().userId())
                        .execute());

        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, i.hash(), T0, LONG_AGO)))
                .isEmpty();
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.open(h, i.hash(), T0)))
                .contains(i.session());
    }

    @Test
    void whenUnknownHash_thenEmpty() {
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, "e".repeat(64), T0, LONG_AGO)))
                .isEmpty();
    }

    @Test
    void whenExpired_thenNotActiveFromTheExpiryInstant() {
        var i = insert(Duration.ofHours(1));
        Instant expiry = T0.plus(Duration.ofHours(1));

        assertThat(db.<Optional<SsoSession>>withHandle(
                        h -> store.active(h, i.hash(), expiry.minusNanos(1_000), LONG_AGO)))
                .isPresent();
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, i.hash(), expiry, LONG_AGO)))
                .isEmpty();
    }

    @Test
    void whenEnded_thenNotActiveAndEndingAgainChangesNothing() {
        var i = insert(Duration.ofDays(1));

        db.useTransaction(h -> store.end(h, i.hash(), T0.plusSeconds(1)));
        db.useTransaction(h -> store.end(h, i.hash(), T0.plusSeconds(2)));

        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, i.hash(), T0.plusSeconds(3), LONG_AGO)))
                .isEmpty();
        Instant endedAt = db.withHandle(h -> h.createQuery("SELECT ended_at FROM sso_sessions WHERE id = :id")
                .bind("id", i.session().id())
                .mapTo(java.time.OffsetDateTime.class)
                .one()
                .toInstant());
        assertThat(endedAt).isEqualTo(T0.plusSeconds(1));
    }

    @Test
    void whenEndingAllOfAUser_thenOnlyTheirOpenSessionsEndAndTheirIdsAreReturned() {
        var a = insert(Duration.ofDays(1));
        UUID user = a.session().userId();
        var b = new SsoSession(UUID.randomUUID(), user, T0.minusSeconds(5), T0.plus(Duration.ofDays(1)));
        var ended = new SsoSession(UUID.randomUUID(), user, T0.minusSeconds(5), T0.plus(Duration.ofDays(1)));
        String bHash = "%064x".formatted(hashes.incrementAndGet());
        String endedHash = "%064x".formatted(hashes.incrementAndGet());
        db.useTransaction(h -> {
            store.insert(h, b, bHash, T0, null, null);
            store.insert(h, ended, endedHash, T0, null, null);
            store.end(h, endedHash, T0);
        });
        var stranger = insert(Duration.ofDays(1));

        java.util.List<UUID> ids = db.inTransaction(h -> store.endAllOfUser(h, user, T0.plusSeconds(1)));

        assertThat(ids).containsExactlyInAnyOrder(a.session().id(), b.id());
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, a.hash(), T0.plusSeconds(2), LONG_AGO)))
                .isEmpty();
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, bHash, T0.plusSeconds(2), LONG_AGO)))
                .isEmpty();
        assertThat(db.<Optional<SsoSession>>withHandle(
                        h -> store.active(h, stranger.hash(), T0.plusSeconds(2), LONG_AGO)))
                .contains(stranger.session());
        assertThat(db.<java.util.List<UUID>>inTransaction(h -> store.endAllOfUser(h, user, T0.plusSeconds(3))))
                .isEmpty();
    }

    @Test
    void whenListingAUsersBrowsers_thenOnlyTheirSessionsStillAcceptedComeMostRecentlyUsedFirst() {
        var a = insert(Duration.ofDays(1));
        UUID user = a.session().userId();
        var b = new SsoSession(
                UUID.randomUUID(), user, T0.minusSeconds(5), T0.plus(Duration.ofDays(1)), List.of("pwd", "otp", "mfa"));
        var ended = new SsoSession(UUID.randomUUID(), user, T0.minusSeconds(5), T0.plus(Duration.ofDays(1)));
        var idle = new SsoSession(UUID.randomUUID(), user, T0.minus(Duration.ofDays(5)), T0.plus(Duration.ofDays(1)));
        var expired = new SsoSession(UUID.randomUUID(), user, T0.minusSeconds(50), T0.minusSeconds(1));
        String endedHash = "%064x".formatted(hashes.incrementAndGet());
        db.useTransaction(h -> {
            store.insert(h, b, "%064x".formatted(hashes.incrementAndGet()), T0, "2001:db8::1", null);
            store.insert(h, ended, endedHash, T0, null, null);
            store.end(h, endedHash, T0);
            store.insert(h, idle, "%064x".formatted(hashes.incrementAndGet()), idle.authTime(), null, null);
            store.insert(h, expired, "%064x".formatted(hashes.incrementAndGet()), T0.minusSeconds(50), null, null);
        });
        var stranger = insert(Duration.ofDays(1));
        Instant since = T0.minus(Duration.ofDays(3));

        var rows = db.withHandle(h -> store.openOfUser(h, user, T0, since, 10));

        assertThat(rows)
                .containsExactly(
                        new JdbiSsoStore.BrowserRow(b.id(), b.authTime(), T0, b.amr(), "2001:db8::1", null),
                        new JdbiSsoStore.BrowserRow(
                                a.session().id(),
                                a.session().authTime(),
                                a.session().authTime(),
                                List.of("pwd"),
                                "192.0.2.1",
                                "Firefox/1"));
        assertThat(db.<List<JdbiSsoStore.BrowserRow>>withHandle(h -> store.openOfUser(h, user, T0, since, 1)))
                .hasSize(1);
        // Found by id only for its own account, and only while open.
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.openById(h, b.id(), user, T0)))
                .contains(b);
        assertThat(db.<Optional<SsoSession>>withHandle(
                        h -> store.openById(h, b.id(), stranger.session().userId(), T0)))
                .isEmpty();
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.openById(h, ended.id(), user, T0)))
                .isEmpty();
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.openById(h, expired.id(), user, T0)))
                .isEmpty();
    }

    @Test
    void whenTheSameTokenHashIsInsertedTwice_thenTheSecondFails() {
        var i = insert(Duration.ofDays(1));
        var again = new SsoSession(UUID.randomUUID(), i.session().userId(), T0, T0.plusSeconds(60));

        assertThatThrownBy(() -> db.useTransaction(h -> store.insert(h, again, i.hash(), T0, null, null)))
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void whenDeletingExpired_thenOnlySessionsExpiredBeforeNowGo() {
        var expired = insert(Duration.ofMinutes(5));
        var live = insert(Duration.ofDays(1));
        Instant now = T0.plus(Duration.ofHours(1));

        int deleted = db.inTransaction(h -> store.deleteExpired(h, now));

        assertThat(deleted).isGreaterThanOrEqualTo(1);
        assertThat(db.<Integer>withHandle(h -> h.createQuery("SELECT COUNT(*) FROM sso_sessions WHERE id = :id")
                        .bind("id", expired.session().id())
                        .mapTo(Integer.class)
                        .one()))
                .isZero();
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, live.hash(), now, LONG_AGO)))
                .contains(live.session());
    }

    @Test
    void whenUnusedSinceTheBound_thenNotActive_andAUseMovesItOnAtMostOnceAMinute() {
        var i = insert(Duration.ofDays(30)); // signed in, and so used, at T0 - 10 s
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, i.hash(), T0, T0.minusSeconds(11))))
                .isPresent();
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, i.hash(), T0, T0.minusSeconds(10))))
                .isEmpty();

        Instant later = T0.plus(Duration.ofHours(1));
        db.useTransaction(h -> store.touch(h, i.session().id(), later, later.minus(Duration.ofMinutes(1))));
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, i.hash(), later, later.minusSeconds(1))))
                .isPresent();
        // A use within the minute writes nothing: the recorded use stays at `later`.
        Instant soon = later.plusSeconds(30);
        db.useTransaction(h -> store.touch(h, i.session().id(), soon, soon.minus(Duration.ofMinutes(1))));
        assertThat(db.<Optional<SsoSession>>withHandle(h -> store.active(h, i.hash(), soon, later)))
                .isEmpty();
    }
}
