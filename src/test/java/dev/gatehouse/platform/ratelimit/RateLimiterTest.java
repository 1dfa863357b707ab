package dev.gatehouse.platform.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The buckets follow the injected clock, not the system's, and report what the X-RateLimit-* headers say. */
class RateLimiterTest {
    private static final RateLimiter.Rule RULE = new RateLimiter.Rule("test", 3, Duration.ofMinutes(15));
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final RateLimiter limiter = new RateLimiter(true, clock);

    @Test
    void whenTheLimitIsUsedUp_thenTheNextCallIsRefusedWithRetryAfterUntilTheWindowEnds() {
        for (int i = 0; i < 3; i++) {
            var d = limiter.consume(RULE, "ip:a");
            assertThat(d.allowed()).isTrue();
            assertThat(d.remaining()).isEqualTo(2 - i);
            assertThat(d.resetEpochSeconds())
                    .isEqualTo(clock.instant().plus(RULE.window()).getEpochSecond());
        }
        var refused = limiter.consume(RULE, "ip:a");
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isZero();
        assertThat(refused.retryAfterSeconds())
                .isBetween(RULE.window().toSeconds(), RULE.window().toSeconds() + 1);
    }

    @Test
    void whenTheClockMovesPastTheWindow_thenTheBucketIsFullAgain() {
        for (int i = 0; i < 3; i++) limiter.consume(RULE, "ip:b");
        clock.advance(RULE.window().minusSeconds(1));
        var stillRefused = limiter.consume(RULE, "ip:b");
        assertThat(stillRefused.allowed()).isFalse();
        assertThat(stillRefused.retryAfterSeconds()).isBetween(1L, 2L);

        clock.advance(Duration.ofSeconds(1));
        var d = limiter.consume(RULE, "ip:b");
        assertThat(d.allowed()).isTrue();
        assertThat(d.remaining()).isEqualTo(2);
    }

    @Test
    void whenSeveralKeysApply_thenTheMostRestrictiveAnswers() {
        for (int i = 0; i < 3; i++) limiter.consume(RULE, "ip:c", "acct:x");
        assertThat(limiter.consume(RULE, "ip:d", "acct:x").allowed()).isFalse();
        assertThat(limiter.consume(RULE, "ip:d", "acct:y").allowed()).isTrue();
    }

    @Test
    void whenRulesDiffer_thenTheirBucketsAreSeparate() {
        var other = new RateLimiter.Rule("other", 1, Duration.ofHours(1));
        for (int i = 0; i < 3; i++) limiter.consume(RULE, "ip:e");
        assertThat(limiter.consume(other, "ip:e").allowed()).isTrue();
    }

    @Test
    void whenDisabled_thenEverythingIsAllowed() {
        var off = new RateLimiter(false, clock);
        for (int i = 0; i < 10; i++)
            assertThat(off.consume(RULE, "ip:f").allowed()).isTrue();
    }
}
