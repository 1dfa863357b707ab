package dev.gatehouse.platform.mail;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the outbox: at once after each commit that enqueued mail ({@link MailOutbox#enqueue}), and every
 * {@link #POLL} for the rest: retries (at least a minute apart) and mail another node enqueued but did not deliver (it
 * stopped first). An idle server no longer asks the database four times a second.
 */
public final class MailWorker implements AutoCloseable {
    static final Duration POLL = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(MailWorker.class);
    private final MailOutbox outbox;
    private final MailTransport transport;
    private final Duration poll;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("mail-worker").daemon().factory());

    public MailWorker(MailOutbox outbox, MailTransport transport) {
        this(outbox, transport, POLL);
    }

    MailWorker(MailOutbox outbox, MailTransport transport, Duration poll) {
        this.outbox = outbox;
        this.transport = transport;
        this.poll = poll;
        outbox.onCommitted(this::nudge);
    }

    /** Delivers what is due now (mail left from before a restart), then every {@code poll}. */
    public void start() {
        var unused = executor.scheduleWithFixedDelay(this::drain, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks for a delivery round now (after a commit that enqueued mail). */
    void nudge() {
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            // Shutting down: the commit stands, and the mail goes out at the next start (or from another node).
        }
    }

    private void drain() {
        try {
            while (outbox.deliverDue(transport, 20) == 20) {
                // keep going while batches are full
            }
        } catch (RuntimeException e) {
            log.warn("Mail delivery round failed: {}", e.toString());
        }
    }

    public String describe() {
        return transport.describe();
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
