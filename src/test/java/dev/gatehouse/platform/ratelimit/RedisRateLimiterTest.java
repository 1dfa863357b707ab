package dev.gatehouse.platform.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.TcpProxy;
import dev.gatehouse.testkit.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RateLimiterContract} with the buckets in the local Redis, plus what sharing adds: two limiters of one
 * deployment (one naming key) draw on one budget, the keys in Redis expire and name no email, and while Redis does not
 * answer each node counts on its own and nothing fails. Every limiter gets a fresh naming key, so no test (nor an
 * earlier run) meets another's buckets.
 */
class RedisRateLimiterTest extends RateLimiterContract {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] namingKey = freshKey();

    @Override
    RateLimiter limiter(boolean enabled) {
        return new RateLimiter(enabled, clock, TestRedis.url(), namingKey);
    }

    private static byte[] freshKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    @Test
    void whenTwoNodesShareTheNamingKey_thenTheyDrawOnOneBudget() {
        try (var otherNode = limiter(true);
                var otherDeployment = new RateLimiter(true, clock, TestRedis.url(), freshKey())) {
            assertThat(limiter.consume(RULE, "ip:shared").remaining()).isEqualTo(2);
            assertThat(otherNode.consume(RULE, "ip:shared").remaining()).isEqualTo(1);
            assertThat(limiter.consume(RULE, "ip:shared").remaining()).isZero();

            var refused = otherNode.consume(RULE, "ip:shared");
            assertThat(refused.allowed()).isFalse();
            assertThat(refused.retryAfterSeconds()).isBetween(1L, RULE.window().toSeconds() + 1);
            assertThat(otherDeployment.consume(RULE, "ip:shared").remaining()).isEqualTo(2);
            assertThat(limiter.describe()).containsEntry("store", "redis").containsEntry("redis", "up");
            var metrics = new SimpleMeterRegistry();
            limiter.bindTo(metrics);
            assertThat(metrics.get("gatehouse.rate_limit.redis.up").gauge().value())
                    .isEqualTo(1);
            assertThat(metrics.get("gatehouse.rate_limit.redis.fallbacks")
                            .functionCounter()
                            .count())
                    .isZero();
        }
    }

    @Test
    void whenABucketIsStored_thenItsKeyNamesNoEmailAndExpiresWithTheWindow() throws IOException {
        var before = new HashSet<>(TestRedis.keys("gatehouse:rl:*"));
        limiter.consume(RULE, "acct:someone@example.com");

        List<String> added = TestRedis.keys("gatehouse:rl:*").stream()
                .filter(k -> !before.contains(k))
                .toList();
        assertThat(added).hasSize(1);
        assertThat(added.get(0))
                .doesNotContain("someone")
                .doesNotContain("example")
                .doesNotContain("acct");
        // Bucket4j keeps a key until its bucket would be full again, plus a margin: the window, not forever.
        assertThat(TestRedis.ttl(added.get(0)))
                .isBetween(RULE.window().toSeconds() - 5, RULE.window().toSeconds() + 60);
    }

    @Test
    void whenNoLimitedCallHasBeenMadeYet_thenRedisIsNeitherUpNorDown() {
        var metrics = new SimpleMeterRegistry();
        limiter.bindTo(metrics);
        assertThat(limiter.describe()).containsEntry("redis", "unknown");
        assertThat(metrics.get("gatehouse.rate_limit.redis.up").gauge().value()).isNaN();

        limiter.consume(RULE, "ip:first");
        assertThat(limiter.describe()).containsEntry("redis", "up");
        assertThat(metrics.get("gatehouse.rate_limit.redis.up").gauge().value()).isEqualTo(1);
    }

    @Test
    void whenHealthNamesWhereTheBucketsAre_thenItIsHostAndPortOrTheSentinelMasterAndNeverThePassword() {
        try (var plain = new RateLimiter(true, clock, "redis://:Secret-Pw-1@10.0.0.5:6380/2", namingKey);
                var sentinel = new RateLimiter(
                        true,
                        clock,
                        "redis-sentinel://:Secret-Pw-1@10.0.0.5:26379,10.0.0.6:26379#buckets",
                        namingKey)) {
            assertThat(plain.describe()).containsEntry("redis_at", "10.0.0.5:6380");
            assertThat(sentinel.describe()).containsEntry("redis_at", "Sentinel master buckets");
            assertThat(plain.describe().toString() + sentinel.describe()).doesNotContain("Secret-Pw-1");
        }
    }

    @Test
    void whenRedisIsUnreachableFromTheStart_thenTheNodeLimitsOnItsOwnAndNothingFails() throws IOException {
        int closed;
        try (var s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (var alone = new RateLimiter(true, clock, "redis://127.0.0.1:" + closed, namingKey)) {
            var metrics = new SimpleMeterRegistry();
            alone.bindTo(metrics);
            for (int i = 0; i < 3; i++)
                assertThat(alone.consume(RULE, "ip:alone").allowed()).isTrue();
            assertThat(alone.consume(RULE, "ip:alone").allowed()).isFalse();
            assertThat(alone.describe()).containsEntry("redis", "down");
            assertThat(metrics.get("gatehouse.rate_limit.redis.up").gauge().value())
                    .isZero();
            assertThat(metrics.get("gatehouse.rate_limit.redis.fallbacks")
                            .functionCounter()
                            .count())
                    .isEqualTo(4);
        }
    }

    @Test
    void whenRedisGoesAwayAndComesBack_thenTheNodeCountsAloneMeanwhileAndSharesAgainAfter() {
        URI redis = URI.create(TestRedis.url());
        try (var proxy = new TcpProxy(redis.getHost(), redis.getPort());
                var node = new RateLimiter(true, clock, "redis://127.0.0.1:" + proxy.port(), namingKey)) {
            assertThat(node.consume(RULE, "ip:flaky").remaining()).isEqualTo(2);
            assertThat(node.describe()).containsEntry("redis", "up");

            proxy.cut();
            long start = System.nanoTime();
            var alone = node.consume(RULE, "ip:flaky"); // this node's own bucket: a fresh one
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(alone.allowed()).isTrue();
            assertThat(alone.remaining()).isEqualTo(2);
            assertThat(node.describe()).containsEntry("redis", "down");

            proxy.restore();
            awaitShared(node);
            // The shared bucket kept its count (the first call) and missed the one made during the outage.
            assertThat(node.consume(RULE, "ip:flaky").remaining()).isEqualTo(1);
            assertThat(limiter.consume(RULE, "ip:flaky").remaining()).isZero();
        }
    }

    /** Lettuce reconnects in the background; calls go to the node's own buckets until it has. */
    private static void awaitShared(RateLimiter node) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            node.consume(RULE, "ip:probe");
            if ("up".equals(node.describe().get("redis"))) return;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("the limiter did not use Redis again within 20 s");
    }
}
