package dev.gatehouse.platform.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link RateLimiterContract} with the buckets in memory on this node. */
class RateLimiterTest extends RateLimiterContract {
    @Override
    RateLimiter limiter(boolean enabled) {
        return new RateLimiter(enabled, clock);
    }

    @Test
    void whenOneAddressSpraysAccounts_thenItsRefusalCreatesNoBucketAndTheVictimKeepsItsCount() {
        String victim = "acct:victim@example.com";
        for (int i = 0; i < 3; i++) limiter.consume(RULE, "ip:192.0.2.1", victim);
        assertThat(limiter.consume(RULE, "ip:192.0.2.2", victim).allowed()).isFalse();

        // Made-up accounts, each a long one (a whole request body as the e-mail of a sign-in form), from one address.
        String filler = "x".repeat(10_000);
        for (int i = 0; i < 20_000; i++) limiter.consume(RULE, "ip:198.51.100.7", "acct:" + i + filler);

        var keys = limiter.localKeys();
        assertThat(keys).hasSizeLessThan(10);
        assertThat(keys).allSatisfy(k -> assertThat(k.length()).isLessThan(100));
        assertThat(limiter.consume(RULE, "ip:192.0.2.3", victim).allowed()).isFalse();
    }

    @Test
    void whenManyAddressesSprayAccounts_thenTheBucketsStayBounded() {
        for (int i = 0; i < RateLimiter.MAX_BUCKETS; i++)
            limiter.consume(RULE, "ip:10.0." + (i >> 8) + "." + (i & 255), "acct:" + i + "@example.com");
        assertThat(limiter.localKeys()).hasSizeLessThanOrEqualTo(RateLimiter.MAX_BUCKETS);
    }

    @Test
    void whenARuleWindowIsLongerThanAnHour_thenItIsRefusedAtStartUp() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new RateLimiter.Rule("long", 1, java.time.Duration.ofHours(2)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenInMemory_thenHealthSaysSo() {
        assertThat(limiter.describe()).containsEntry("store", "memory").containsEntry("status", "on");
    }
}
