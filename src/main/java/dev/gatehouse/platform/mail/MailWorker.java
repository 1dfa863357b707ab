package dev.gatehouse.platform.mail;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers the outbox: polls every few hundred milliseconds and is nudged right after a commit that enqueued mail. */
public final class MailWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MailWorker.class);
    private final MailOutbox outbox;
    private final MailTransport transport;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("mail-worker").daemon().factory());

    public MailWorker(MailOutbox outbox, MailTransport transport) {
        this.outbox = outbox;
        this.transport = transport;
    }

    public void start() {
        var unused = executor.scheduleWithFixedDelay(this::drain, 200, 250, TimeUnit.MILLISECONDS);
    }

    /** Asks for a delivery round now (after a commit that enqueued mail). */
    public void nudge() {
        if (!executor.isShutdown()) executor.execute(this::drain);
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
