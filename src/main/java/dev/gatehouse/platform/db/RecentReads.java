package dev.gatehouse.platform.db;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/**
 * Rows read from the database, reused for at most {@code maxAge} by the application's clock and bounded in number.
 * Writers on this node call {@link #invalidate(Handle, Object)} in their transaction, so the next read here after
 * their commit sees their change. With {@link #shareInvalidations} the invalidation also reaches the other nodes when
 * the writer commits ({@link ClusterEvents}); a change they miss (a lost listener connection, a row written by hand)
 * still shows within {@code maxAge} (docs/adr/0013).
 *
 * <p>A load runs under the key's lock, and an invalidation waits for a load in progress, so a read that began before
 * a writer committed cannot stay cached after that writer's after-commit invalidation.
 */
public final class RecentReads<K, V> {
    /** A value read at {@code loadedAt}; a null value is a key found absent ({@link #getRemembering}). */
    private record Entry<V>(V value, Instant loadedAt) {}

    private final Cache<K, Entry<V>> cache;
    private final Clock clock;
    private final Duration maxAge;
    private volatile ClusterEvents events;
    private volatile String topic;

    public RecentReads(Clock clock, Duration maxAge, int maxEntries) {
        this.clock = clock;
        this.maxAge = maxAge;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfterWrite(maxAge.plusSeconds(1)) // memory only: freshness is checked by the clock below
                .executor(Runnable::run)
                .build();
    }

    /** The cached value when it was read at most {@code maxAge} ago, else what {@code load} finds (empty is not kept). */
    public Optional<V> get(K key, Function<K, Optional<V>> load) {
        return get(key, load, false);
    }

    /**
     * As {@link #get}, but an absence is kept as long as a value would be. Only for keys nobody can make up (ids the
     * application issued and signed, say): a key from a request would let its sender fill the cache with absences.
     */
    public Optional<V> getRemembering(K key, Function<K, Optional<V>> load) {
        return get(key, load, true);
    }

    private Optional<V> get(K key, Function<K, Optional<V>> load, boolean keepAbsence) {
        Entry<V> e = cache.getIfPresent(key);
        if (fresh(e, clock.instant())) return Optional.ofNullable(e.value());
        Entry<V> loaded = cache.asMap().compute(key, (k, old) -> {
            Instant t = clock.instant(); // before the read: the entry is never younger than the row it holds
            if (fresh(old, t)) return old;
            V v = load.apply(k).orElse(null);
            return v != null || keepAbsence ? new Entry<>(v, t) : null;
        });
        return loaded == null ? Optional.empty() : Optional.ofNullable(loaded.value());
    }

    private boolean fresh(Entry<V> e, Instant now) {
        return e != null
                && !now.isBefore(e.loadedAt())
                && now.isBefore(e.loadedAt().plus(maxAge));
    }

    /**
     * Forgets {@code key} once {@code h}'s transaction commits (at once outside a transaction). Not before: a reader
     * in between would read the old row again, and waiting here for its load would hold the writer's locks longer.
     */
    public void invalidate(Handle h, K key) {
        ClusterEvents e = events;
        if (e != null) e.publish(h, topic, key.toString());
        Database.afterCommit(h, () -> cache.invalidate(key));
    }

    /**
     * Sends every {@link #invalidate} to the other nodes on {@code topic} (delivered when the writer commits), and
     * applies theirs here; {@code parse} turns an event's payload back into a key. After a gap in the events, everything
     * cached is dropped.
     */
    public RecentReads<K, V> shareInvalidations(ClusterEvents events, String topic, Function<String, K> parse) {
        events.subscribe(topic, payload -> cache.invalidate(parse.apply(payload)));
        events.onGap(cache::invalidateAll);
        this.topic = topic;
        this.events = events;
        return this;
    }
}
