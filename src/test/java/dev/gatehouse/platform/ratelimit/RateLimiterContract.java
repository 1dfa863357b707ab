package dev.gatehouse.platform.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The buckets follow the injected clock, not the system's, and report what the X-RateLimit-* headers say: in memory
 * ({@link RateLimiterTest}) and in Redis ({@link RedisRateLimiterTest}).
 */
abstract class RateLimiterContract {
    static final RateLimiter.Rule RULE = new RateLimiter.Rule("test", 3, Duration.ofMinutes(15));
    final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    RateLimiter limiter;

    /** An enabled limiter on {@code clock}; closed after each test. */
    abstract RateLimiter limiter(boolean enabled);

    @BeforeEach
    void open() {
        limiter = limiter(true);
    }

    @AfterEach
    void closeLimiter() {
        limiter.close();
    }

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
    void whenKeysAreLong_thenEachStillHasItsOwnBucket() {
        String a = "acct:" + "a".repeat(500_000) + "@example.com";
        String b = "acct:" + "a".repeat(500_000) + "@example.org";
        for (int i = 0; i < 3; i++)
            assertThat(limiter.consume(RULE, a).allowed()).isTrue();
        assertThat(limiter.consume(RULE, a).allowed()).isFalse();
        assertThat(limiter.consume(RULE, b).allowed()).isTrue();
    }

    @Test
    void whenDisabled_thenEverythingIsAllowed() {
        try (var off = limiter(false)) {
            for (int i = 0; i < 10; i++)
                assertThat(off.consume(RULE, "ip:f").allowed()).isTrue();
            assertThat(off.describe()).containsEntry("status", "off");
        }
    }
}
