package dev.gatehouse.platform.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.MutableClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which reads {@link RecentReads} keeps, for how long, and what forgets them. */
class RecentReadsTest {
    static final Duration MAX_AGE = Duration.ofSeconds(30);

    final MutableClock clock = MutableClock.startingNow();
    final RecentReads<String, String> reads = new RecentReads<>(clock, MAX_AGE, 100);
    final Map<String, String> table = new HashMap<>();
    final AtomicInteger loads = new AtomicInteger();
    final Function<String, Optional<String>> load = k -> {
        loads.incrementAndGet();
        return Optional.ofNullable(table.get(k));
    };
    final Handle handle = Jdbi.create("jdbc:h2:mem:recent-reads").open();

    @AfterEach
    void close() {
        handle.close();
    }

    @Test
    void whenAValueWasRead_thenItIsReusedUntilItIsTooOld() {
        table.put("a", "1");
        assertThat(reads.get("a", load)).contains("1");
        table.put("a", "2");
        clock.advance(MAX_AGE.minusSeconds(1));
        assertThat(reads.get("a", load)).contains("1");
        assertThat(loads).hasValue(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(reads.get("a", load)).contains("2");
        assertThat(loads).hasValue(2);
    }

    @Test
    void whenAKeyIsAbsent_thenGetReadsItAgainEachTime() {
        assertThat(reads.get("gone", load)).isEmpty();
        assertThat(reads.get("gone", load)).isEmpty();
        assertThat(loads).hasValue(2);
    }

    @Test
    void whenAKeyIsAbsent_thenGetRememberingKeepsTheAbsenceAsLongAsAValue() {
        assertThat(reads.getRemembering("gone", load)).isEmpty();
        assertThat(reads.getRemembering("gone", load)).isEmpty();
        assertThat(reads.get("gone", load)).isEmpty();
        assertThat(loads).hasValue(1);

        table.put("gone", "back"); // written where this node does not see it, as by another node
        clock.advance(MAX_AGE.minusSeconds(1));
        assertThat(reads.getRemembering("gone", load)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(reads.getRemembering("gone", load)).contains("back");
        assertThat(loads).hasValue(2);
    }

    @Test
    void whenAWriterInvalidatesAKey_thenARememberedAbsenceIsForgottenToo() {
        assertThat(reads.getRemembering("new", load)).isEmpty();
        table.put("new", "created");
        reads.invalidate(handle, "new"); // outside a transaction: at once
        assertThat(reads.getRemembering("new", load)).contains("created");
        assertThat(loads).hasValue(2);
    }
}
