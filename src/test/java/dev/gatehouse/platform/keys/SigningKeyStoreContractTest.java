package dev.gatehouse.platform.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.platform.keys.SigningKeyStore.Row;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link SigningKeyStore} contract, on the engine under test (convention 7). */
@ServerTest
class SigningKeyStoreContractTest {
    /** Microsecond precision on purpose: both engines keep microseconds, so stored times must come back exact. */
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");

    static MigratedDatabase database;
    SigningKeyStore store;

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @BeforeEach
    void emptyTable() {
        // The store answers for the whole table, so each test starts from none.
        database.db().useTransaction(h -> h.execute("DELETE FROM signing_keys"));
        store = new JdbiSigningKeyStore(database.db());
    }

    static Row key(String kid, String alg, Instant activatesAt) {
        return new Row(
                kid,
                alg,
                "{\"kty\":\"EC\",\"kid\":\"" + kid + "\"}",
                "sealed:" + kid,
                activatesAt.minus(Duration.ofHours(1)),
                activatesAt,
                null);
    }

    static Row expiring(Row r, Instant expiresAt) {
        return new Row(
                r.kid(), r.alg(), r.publicJwk(), r.sealedPrivateJwk(), r.createdAt(), r.activatesAt(), expiresAt);
    }

    @Test
    void whenNoKeyWasInserted_thenAllIsEmpty() {
        assertThat(store.all()).isEmpty();
    }

    @Test
    void whenInserted_thenAllReturnsEveryFieldUnchanged() {
        var open = key("k1", "ES256", T0);
        var scheduled = expiring(key("k2", "RS256", T0.plusSeconds(1)), T0.plus(Duration.ofDays(1)));

        store.insert(open);
        store.insert(scheduled);

        assertThat(store.all()).containsExactly(open, scheduled);
    }

    @Test
    void whenListingAll_thenOrderedByActivation() {
        var third = key("c", "ES256", T0.plusSeconds(20));
        var first = key("a", "ES256", T0);
        var second = key("b", "EdDSA", T0.plusSeconds(10));
        store.insert(third);
        store.insert(first);
        store.insert(second);

        assertThat(store.all()).containsExactly(first, second, third);
    }

    @Test
    void whenRotating_thenTheSuccessorIsStoredAndEveryOtherKeyOfThatAlgLeavesByTheDate() {
        var old = key("old", "ES256", T0);
        var alreadyExpiring = expiring(key("earlier", "ES256", T0.minusSeconds(10)), T0.plusSeconds(30));
        var expiringLater = expiring(key("later", "ES256", T0.minusSeconds(20)), T0.plus(Duration.ofHours(3)));
        var pending = key("pending", "ES256", T0.plusSeconds(30));
        // Same activation instant as "old": an immediate rotation within one clock tick still retires "old".
        var successor = key("successor", "ES256", T0);
        var otherAlg = key("rsa", "RS256", T0);
        for (Row r : List.of(old, alreadyExpiring, expiringLater, pending, otherAlg)) store.insert(r);
        Instant expiresAt = T0.plus(Duration.ofHours(2));
        var audited = new java.util.concurrent.atomic.AtomicBoolean();

        store.rotate(successor, expiresAt, h -> audited.set(h.isInTransaction()));

        assertThat(store.all())
                .containsExactlyInAnyOrder(
                        expiring(old, expiresAt),
                        alreadyExpiring,
                        expiring(expiringLater, expiresAt),
                        expiring(pending, expiresAt),
                        successor,
                        otherAlg);
        assertThat(audited).isTrue();
    }

    @Test
    void whenWhatRunsInTheRotationsTransactionFails_thenNothingOfTheRotationIsStored() {
        var old = key("old", "ES256", T0);
        store.insert(old);
        var successor = key("successor", "ES256", T0);

        assertThatThrownBy(() -> store.rotate(successor, T0, h -> {
                    throw new IllegalStateException("audit write failed");
                }))
                .hasMessage("audit write failed");

        assertThat(store.all()).containsExactly(old);
    }

    @Test
    void whenDeletingExpired_thenOnlyKeysExpiredBeforeNowGo() {
        var gone = expiring(key("gone", "ES256", T0), T0.minusNanos(1_000));
        var expiresNow = expiring(key("now", "ES256", T0.plusSeconds(1)), T0);
        var later = expiring(key("later", "ES256", T0.plusSeconds(2)), T0.plusSeconds(1));
        var open = key("open", "ES256", T0.plusSeconds(3));
        for (Row r : List.of(gone, expiresNow, later, open)) store.insert(r);

        store.deleteExpired(T0);

        assertThat(store.all()).containsExactly(expiresNow, later, open);
    }

    @Test
    void whenNoKeyOfTheAlgorithmIsStored_thenInsertFirstStoresTheRow() {
        var otherAlg = key("rsa", "RS256", T0);
        store.insert(otherAlg);
        var first = key("first", "ES256", T0);

        assertThat(store.insertFirst(first)).isTrue();

        assertThat(store.all()).containsExactlyInAnyOrder(otherAlg, first);
    }

    @Test
    void whenAKeyOfTheAlgorithmIsStored_thenInsertFirstStoresNothing() {
        // Any key of the algorithm counts, one whose removal is scheduled or one not yet signing too.
        var leaving = expiring(key("leaving", "ES256", T0), T0.plusSeconds(60));
        var pending = key("pending", "RS256", T0.plusSeconds(3600));
        store.insert(leaving);
        store.insert(pending);

        assertThat(store.insertFirst(key("second-ec", "ES256", T0))).isFalse();
        assertThat(store.insertFirst(key("second-rsa", "RS256", T0))).isFalse();

        assertThat(store.all()).containsExactlyInAnyOrder(leaving, pending);
    }

    @Test
    void whenEveryAlgorithmIsInsertedFirst_thenEachGetsItsKey() {
        var ec = key("ec", "ES256", T0);
        var rsa = key("rsa", "RS256", T0);
        var pss = key("pss", "PS256", T0);
        var ed = key("ed", "EdDSA", T0);

        for (Row r : List.of(ec, rsa, pss, ed)) assertThat(store.insertFirst(r)).isTrue();

        assertThat(store.all()).containsExactlyInAnyOrder(ec, rsa, pss, ed);
    }

    /** Nodes starting together: each offers its own first key of one algorithm at the same moment. */
    @Test
    void whenSeveralCallersInsertFirstAtOnce_thenExactlyOneKeyIsStored() {
        AtomicInteger offered = new AtomicInteger();
        for (int round = 0; round < 20; round++) {
            database.db().useTransaction(h -> h.execute("DELETE FROM signing_keys"));

            List<Boolean> stored =
                    Race.run(4, () -> store.insertFirst(key("k" + offered.incrementAndGet(), "ES256", T0)));

            assertThat(stored).as("round %d", round).containsOnlyOnce(true);
            assertThat(store.all()).as("round %d", round).hasSize(1);
        }
    }
}
