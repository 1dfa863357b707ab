package dev.gatehouse.platform.ratelimit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate-limit buckets in Redis ({@code GATEHOUSE_REDIS_URL}), so that the nodes of a cluster draw on one budget per key
 * (DESIGN.md: buckets live in Redis when it is configured). Bucket4j's compare-and-swap buckets over Lettuce, on the
 * clock the limiter is given.
 *
 * <p>A Redis key is {@code gatehouse:rl:} and an HMAC of the rule and the limiter's key (an address, an email) under a
 * key derived from the master key: every node of one deployment names a bucket alike, two deployments sharing a Redis
 * never meet, and the keys in Redis give away no address or email. A key expires once its bucket would be full again.
 *
 * <p>Commands time out after {@link #TIMEOUT} and fail at once while disconnected; {@link RateLimiter} then counts on
 * the node's own buckets. A failed first connection is retried at most every {@link #RETRY}.
 */
public final class RedisBuckets implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisBuckets.class);
    static final Duration TIMEOUT = Duration.ofMillis(500);
    static final Duration RETRY = Duration.ofSeconds(5);
    private static final String PREFIX = "gatehouse:rl:";

    private final RedisURI uri;
    private final SecretKeySpec naming;
    private final TimeMeter time;
    private final ClientResources resources;
    private final RedisClient client;
    private volatile StatefulRedisConnection<String, byte[]> connection;
    private volatile ProxyManager<String> proxies;
    private volatile long nextAttemptNanos = System.nanoTime();
    private volatile Boolean up; // null until the first shared bucket answered or failed

    RedisBuckets(String url, byte[] namingKey, TimeMeter time) {
        this.uri = parse(url);
        if (uri.getTimeout().compareTo(TIMEOUT) > 0) uri.setTimeout(TIMEOUT);
        this.naming = new SecretKeySpec(namingKey, "HmacSHA256");
        this.time = time;
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(1)
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(TIMEOUT).build())
                .timeoutOptions(TimeoutOptions.enabled(uri.getTimeout()))
                .build());
    }

    /** A Redis URL Lettuce accepts ({@code redis://}, {@code rediss://}, {@code redis-socket://}, sentinel). */
    public static RedisURI parse(String url) {
        try {
            // Lettuce reads a bare word as a host name: ask for a URL with a scheme of its own first.
            var u = java.net.URI.create(url);
            String scheme = u.getScheme() == null ? "" : u.getScheme();
            if (!scheme.startsWith("redis")) throw new IllegalArgumentException();
            // One host and a numeric port, except for a socket path or a list of sentinels.
            if (!scheme.contains("socket") && !scheme.contains("sentinel") && u.getHost() == null)
                throw new IllegalArgumentException();
            return RedisURI.create(url);
        } catch (RuntimeException e) {
            // Lettuce's message may repeat the URL, password included: name the problem only.
            throw new IllegalArgumentException("is not a Redis URL (redis://host:port, rediss://...)");
        }
    }

    /** The shared bucket for {@code key}, or null while Redis cannot be reached. */
    Bucket bucket(String rule, String key, Supplier<BucketConfiguration> configuration) {
        ProxyManager<String> p = proxies();
        return p == null ? null : p.builder().build(PREFIX + name(rule, key), configuration);
    }

    /** Called after each shared bucket answered or failed: logs when Redis goes away and when it is back. */
    void answered(boolean ok, RuntimeException error) {
        Boolean before = up;
        if (before != null && before == ok) return;
        up = ok;
        if (ok) {
            log.info("Rate limits: buckets shared through Redis at {}{}", where(), before == null ? "" : " again");
        } else {
            log.warn(
                    "Rate limits: Redis at {} does not answer ({}); this node counts on its own buckets until it does",
                    where(),
                    error == null ? "not connected" : error.getClass().getSimpleName());
        }
    }

    /**
     * "up" when the last shared bucket answered, "down" when it failed, "unknown" before the first limited call (which
     * is when the node first connects): a node that has not needed Redis yet does not claim it is away.
     */
    String status() {
        Boolean u = up;
        return u == null ? "unknown" : u ? "up" : "down";
    }

    /** Where the buckets are, for logs and health: host and port, socket path, or the Sentinel master's name. */
    String where() {
        if (uri.getSocket() != null) return uri.getSocket();
        if (!uri.getSentinels().isEmpty()) return "Sentinel master " + uri.getSentinelMasterId();
        return uri.getHost() + ":" + uri.getPort();
    }

    private ProxyManager<String> proxies() {
        ProxyManager<String> p = proxies;
        if (p != null) return p;
        synchronized (this) {
            if (proxies != null) return proxies;
            long now = System.nanoTime(); // a timer, not the time of day: the injected clock may stand still
            if (now - nextAttemptNanos < 0) return null;
            try {
                connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
                proxies = Bucket4jLettuce.casBasedBuilder(connection)
                        .clientClock(time)
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                                Duration.ofSeconds(10)))
                        .build();
                return proxies;
            } catch (RuntimeException e) {
                nextAttemptNanos = now + RETRY.toNanos();
                answered(false, e);
                return null;
            }
        }
    }

    private String name(String rule, String key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(naming);
            mac.update(rule.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            byte[] digest = mac.doFinal(key.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(digest, 18));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        var c = connection;
        if (c != null) c.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        boolean stopped = resources
                .shutdown(0, 1, java.util.concurrent.TimeUnit.SECONDS)
                .awaitUninterruptibly(2, java.util.concurrent.TimeUnit.SECONDS);
        if (!stopped) log.debug("Rate limits: Redis client threads still stopping");
    }
}
