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
    void whenInMemory_thenHealthSaysSo() {
        assertThat(limiter.describe()).containsEntry("store", "memory").containsEntry("status", "on");
    }
}
