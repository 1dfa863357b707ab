package dev.gatehouse.platform.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.MutableClock;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ReplayCache}: one winner per jti, even across instances (nodes) racing, until the entry expires. */
@ServerTest
class ReplayCacheContractTest {
    static MigratedDatabase database;
    static final MutableClock clock = new MutableClock(Instant.parse("2030-01-02T03:04:05.123456Z"));

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @Test
    void whenTwoNodesRaceOnOneJti_thenExactlyOneWins() {
        String jti = UUID.randomUUID().toString();
        Instant keep = clock.instant().plus(Duration.ofMinutes(5));
        // Each thread is its own ReplayCache, as separate nodes sharing the database would be.
        var results = Race.run(8, () -> new ReplayCache(database.db(), clock).firstUse("ns", jti, keep));
        assertThat(results).containsOnlyOnce(true);
        assertThat(results.stream().filter(r -> !r).count()).isEqualTo(7);
    }

    @Test
    void whenTheSameJtiIsUsedInAnotherNamespace_thenItIsIndependent() {
        var cache = new ReplayCache(database.db(), clock);
        String jti = UUID.randomUUID().toString();
        Instant keep = clock.instant().plus(Duration.ofMinutes(5));
        assertThat(cache.firstUse("client_assertion:a", jti, keep)).isTrue();
        assertThat(cache.firstUse("client_assertion:b", jti, keep)).isTrue();
        assertThat(cache.firstUse("client_assertion:a", jti, keep)).isFalse();
    }

    @Test
    void whenTheEntryHasExpired_thenTheJtiIsFreeAgain() {
        var cache = new ReplayCache(database.db(), clock);
        String jti = UUID.randomUUID().toString();
        assertThat(cache.firstUse("ns", jti, clock.instant().plusSeconds(60))).isTrue();
        assertThat(cache.firstUse("ns", jti, clock.instant().plusSeconds(60))).isFalse();
        clock.advance(Duration.ofSeconds(61));
        assertThat(cache.firstUse("ns", jti, clock.instant().plusSeconds(60))).isTrue();
        assertThat(cache.firstUse("ns", jti, clock.instant().plusSeconds(60))).isFalse();
    }
}
