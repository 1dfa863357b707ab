package dev.gatehouse.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cleanup job: every {@code interval} of the injected clock it deletes rows that can no longer be used (expired
 * authorization codes, pushed authorization requests, one-time tokens, refresh tokens, SSO sessions, revoked-token
 * records). One virtual thread
 * checks the clock every {@code tick}; the work runs when the clock says it is due, so a test moves it with its
 * clock. Several nodes sweeping at once is harmless: every task is an idempotent DELETE.
 */
public final class Sweeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sweeper.class);

    /** One kind of expired row: deletes those expired before the instant given and returns how many. */
    public record Task(String name, ToIntFunction<Instant> deleteExpired) {}

    private final Clock clock;
    private final Duration interval;
    private final Duration tick;
    private final List<Task> tasks;
    private final ScheduledExecutorService executor;
    private volatile Instant nextRun;
    private volatile ScheduledFuture<?> scheduled;

    public Sweeper(Clock clock, Duration interval, Duration tick, List<Task> tasks) {
        this.clock = clock;
        this.interval = interval;
        this.tick = tick.compareTo(interval) < 0 ? tick : interval;
        this.tasks = List.copyOf(tasks);
        this.executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name("gatehouse-sweeper").factory());
    }

    public void start() {
        nextRun = clock.instant().plus(interval);
        long ms = Math.max(1, tick.toMillis());
        scheduled = executor.scheduleWithFixedDelay(this::tick, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            Instant now = clock.instant();
            if (now.isBefore(nextRun)) return;
            runOnce(now);
            nextRun = now.plus(interval);
        } catch (RuntimeException e) {
            // A thrown exception would cancel the schedule; the job must keep running.
            log.warn("Cleanup tick failed: {}", e.toString());
        }
    }

    /** Runs every task once; a failing task is logged and does not stop the others. */
    public Map<String, Integer> runOnce(Instant now) {
        var counts = new LinkedHashMap<String, Integer>();
        for (Task t : tasks) {
            try {
                counts.put(t.name(), t.deleteExpired().applyAsInt(now));
            } catch (RuntimeException e) {
                log.warn("Cleanup of {} failed: {}", t.name(), e.toString());
            }
        }
        if (counts.values().stream().anyMatch(n -> n > 0)) log.info("Cleanup deleted expired rows: {}", counts);
        return counts;
    }

    @Override
    public void close() {
        ScheduledFuture<?> f = scheduled;
        if (f != null) f.cancel(true);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
