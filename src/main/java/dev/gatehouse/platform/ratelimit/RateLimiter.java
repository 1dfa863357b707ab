package dev.gatehouse.platform.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gatehouse.platform.crypto.Secrets;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.VerboseResult;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-key token buckets (Bucket4j). Each rule allows {@code limit} calls per {@code window}, refilled all at once when
 * the window ends, which is what X-RateLimit-Reset reports. The buckets are in memory on this node, or in Redis when
 * {@code GATEHOUSE_REDIS_URL} is set ({@link RedisBuckets}), where every node of a cluster shares them. While Redis does
 * not answer, each node counts on its own buckets: limits still hold per node, and no call fails for it.
 */
public final class RateLimiter implements AutoCloseable {
    /** A bucket idle this long is full again, so dropping it loses nothing: no rule's window may be longer. */
    static final Duration MAX_WINDOW = Duration.ofHours(1);

    public record Rule(String name, int limit, Duration window) {
        public Rule {
            if (window.compareTo(MAX_WINDOW) > 0)
                throw new IllegalArgumentException("rate-limit windows are at most " + MAX_WINDOW);
        }
    }

    public record Decision(
            boolean allowed, int limit, long remaining, long resetEpochSeconds, long retryAfterSeconds) {}

    /**
     * Local buckets kept at most (a few hundred bytes each). Under a key-spraying attack Caffeine's frequency-based
     * admission keeps the buckets in use and turns away keys seen once, so a spray can neither exhaust the heap nor
     * reset someone else's bucket.
     */
    static final int MAX_BUCKETS = 50_000;

    /** Keys longer than this (an e-mail address as typed, say) are kept as their SHA-256. */
    static final int MAX_KEY_CHARS = 64;

    private final boolean enabled;
    private final Clock clock;
    private final TimeMeter time;
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .maximumSize(MAX_BUCKETS)
            .expireAfterAccess(MAX_WINDOW)
            .executor(Runnable::run)
            .build();
    private final RedisBuckets shared;
    private final LongAdder fallbacks = new LongAdder(); // calls limited by this node alone because Redis failed

    /** Buckets in memory on this node. */
    public RateLimiter(boolean enabled, Clock clock) {
        this.enabled = enabled;
        this.clock = clock;
        this.time = new ClockTimeMeter(clock);
        this.shared = null;
    }

    /**
     * Buckets in the Redis at {@code redisUrl}, named under {@code namingKey} (32 bytes the nodes of one deployment
     * share: derived from the master key). Nothing connects before the first limited call.
     */
    public RateLimiter(boolean enabled, Clock clock, String redisUrl, byte[] namingKey) {
        this.enabled = enabled;
        this.clock = clock;
        this.time = new ClockTimeMeter(clock);
        this.shared = enabled ? new RedisBuckets(redisUrl, namingKey, time) : null;
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

    /** For /health/detailed: on or off, where the buckets are, and whether Redis answers. */
    public Map<String, String> describe() {
        if (!enabled) return Map.of("status", "off");
        if (shared == null) return Map.of("status", "on", "store", "memory");
        return Map.of("status", "on", "store", "redis", "redis", shared.status(), "redis_at", shared.where());
    }

    /**
     * With Redis: {@code gatehouse.rate_limit.redis.up} (1 while the shared buckets answer, 0 while they do not, NaN
     * before the first limited call) and {@code
     * gatehouse.rate_limit.redis.fallbacks} (calls this node limited on its own because Redis did not answer), to
     * alert on.
     */
    public void bindTo(MeterRegistry metrics) {
        if (shared == null) return;
        Gauge.builder("gatehouse.rate_limit.redis.up", shared, s -> switch (s.status()) {
                    case "up" -> 1;
                    case "down" -> 0;
                    default -> Double.NaN;
                })
                .description("1 while rate-limit buckets in Redis answer, 0 while this node limits on its own")
                .register(metrics);
        FunctionCounter.builder("gatehouse.rate_limit.redis.fallbacks", fallbacks, LongAdder::doubleValue)
                .description("Rate-limited calls counted in this node's own buckets because Redis did not answer")
                .register(metrics);
    }

    @Override
    public void close() {
        if (shared != null) shared.close();
    }

    /**
     * Takes one call from each key's bucket, in order, and stops at the first that refuses: the answer is the most
     * restrictive. Callers name the client's address first, so an address that is refused creates no bucket for the
     * account keys it sends (a spray of made-up accounts from one address costs one bucket) and spends nothing of
     * theirs.
     */
    public Decision consume(Rule rule, String... keys) {
        long nowSeconds = clock.instant().getEpochSecond();
        if (!enabled)
            return new Decision(
                    true, rule.limit(), rule.limit(), nowSeconds + rule.window().toSeconds(), 0);
        Decision worst = null;
        boolean alone = false;
        for (String given : keys) {
            String key = bounded(given);
            Decision d = null;
            if (shared != null) {
                d = takeShared(rule, key, nowSeconds);
                alone |= d == null;
            }
            if (d == null) d = take(local(rule, key), rule, nowSeconds);
            if (!d.allowed()) {
                worst = d;
                break;
            }
            if (worst == null
                    || (!d.allowed() && worst.allowed())
                    || (d.allowed() == worst.allowed() && d.remaining() < worst.remaining())) {
                worst = d;
            }
        }
        if (alone) fallbacks.increment();
        return worst;
    }

    /** One call from the shared bucket for {@code key}; null when Redis does not answer. */
    private Decision takeShared(Rule rule, String key, long nowSeconds) {
        Bucket bucket = shared.bucket(rule.name(), key, () -> configuration(rule));
        if (bucket == null) return null;
        try {
            var d = take(bucket, rule, nowSeconds);
            shared.answered(true, null);
            return d;
        } catch (RuntimeException e) { // Lettuce's connection and timeout errors, Bucket4j's wrappers of them
            shared.answered(false, e);
            return null;
        }
    }

    /** A key of bounded size: long ones (they come from the caller, up to a whole request body) by their hash. */
    static String bounded(String key) {
        return key.length() <= MAX_KEY_CHARS ? key : "sha256:" + Secrets.sha256(key);
    }

    /** The local buckets' keys, for tests. */
    java.util.Set<String> localKeys() {
        buckets.cleanUp();
        return java.util.Set.copyOf(buckets.asMap().keySet());
    }

    private Bucket local(Rule rule, String key) {
        return buckets.get(
                rule.name() + "|" + key,
                k -> Bucket.builder()
                        .withCustomTimePrecision(time)
                        .addLimit(bandwidth(rule))
                        .build());
    }

    private static BucketConfiguration configuration(Rule rule) {
        return BucketConfiguration.builder().addLimit(bandwidth(rule)).build();
    }

    private static Bandwidth bandwidth(Rule rule) {
        return Bandwidth.builder()
                .capacity(rule.limit())
                .refillIntervally(rule.limit(), rule.window())
                .build();
    }

    private static Decision take(Bucket bucket, Rule rule, long nowSeconds) {
        VerboseResult<ConsumptionProbe> result = bucket.asVerbose().tryConsumeAndReturnRemaining(1);
        ConsumptionProbe probe = result.getValue();
        long toRefill = probe.isConsumed()
                ? result.getDiagnostics().calculateFullRefillingTime()
                : probe.getNanosToWaitForRefill();
        long reset = nowSeconds + Math.max(1, Duration.ofNanos(toRefill).toSeconds());
        long retryAfter = probe.isConsumed()
                ? 0
                : Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toSeconds() + 1);
        return new Decision(probe.isConsumed(), rule.limit(), probe.getRemainingTokens(), reset, retryAfter);
    }
}
