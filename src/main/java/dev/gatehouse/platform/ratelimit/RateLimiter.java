package dev.gatehouse.platform.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-key token buckets (Bucket4j), in memory on this node. Each rule allows {@code limit} calls per {@code window},
 * refilled all at once when the window ends, which is what X-RateLimit-Reset reports.
 */
public final class RateLimiter {
    public record Rule(String name, int limit, Duration window) {}

    public record Decision(
            boolean allowed, int limit, long remaining, long resetEpochSeconds, long retryAfterSeconds) {}

    private static final int MAX_BUCKETS = 200_000;
    private final boolean enabled;
    private final Clock clock;
    private final TimeMeter time;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(boolean enabled, Clock clock) {
        this.enabled = enabled;
        this.clock = clock;
        this.time = new ClockTimeMeter(clock);
    }

    /** Bucket4j reads time from the injected clock, so windows follow it (and tests can move it). */
    private record ClockTimeMeter(Clock clock) implements TimeMeter {
        @Override
        public long currentTimeNanos() {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        @Override
        public boolean isWallClockBased() {
            return true;
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /** Takes one call from each key's bucket; the answer is the most restrictive of them. */
    public Decision consume(Rule rule, String... keys) {
        long nowSeconds = clock.instant().getEpochSecond();
        if (!enabled)
            return new Decision(
                    true, rule.limit(), rule.limit(), nowSeconds + rule.window().toSeconds(), 0);
        if (buckets.size() > MAX_BUCKETS) buckets.clear(); // bounded memory under a key-spraying attack
        Decision worst = null;
        for (String key : keys) {
            Bucket bucket = buckets.computeIfAbsent(
                    rule.name() + "|" + key,
                    k -> Bucket.builder()
                            .withCustomTimePrecision(time)
                            .addLimit(Bandwidth.builder()
                                    .capacity(rule.limit())
                                    .refillIntervally(rule.limit(), rule.window())
                                    .build())
                            .build());
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            long toRefill = probe.isConsumed()
                    ? (probe.getRemainingTokens() == rule.limit() - 1
                            ? rule.window().toNanos()
                            : nanosToFull(bucket, rule))
                    : probe.getNanosToWaitForRefill();
            long reset = nowSeconds + Math.max(1, Duration.ofNanos(toRefill).toSeconds());
            var d = new Decision(
                    probe.isConsumed(),
                    rule.limit(),
                    probe.getRemainingTokens(),
                    reset,
                    probe.isConsumed()
                            ? 0
                            : Math.max(
                                    1,
                                    Duration.ofNanos(probe.getNanosToWaitForRefill())
                                                    .toSeconds()
                                            + 1));
            if (worst == null
                    || (!d.allowed() && worst.allowed())
                    || (d.allowed() == worst.allowed() && d.remaining() < worst.remaining())) {
                worst = d;
            }
        }
        return worst;
    }

    private static long nanosToFull(Bucket bucket, Rule rule) {
        var probe = bucket.estimateAbilityToConsume(rule.limit());
        return probe.getNanosToWaitForRefill();
    }
}
