package dev.gatehouse.platform.mail;

import dev.gatehouse.platform.db.Database;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The mail outbox table: features enqueue inside their own transaction; the {@link MailWorker} delivers. With a real
 * transport, the bodies (reset and sign-in links, codes: live secrets) are the mail server's business once it has them,
 * and nobody else's before: {@link #recent} leaves them out, and delivery clears them once sent or given up on.
 */
public final class MailOutbox {
    /** Attempts after which a message is given up on. */
    static final int MAX_ATTEMPTS = 8;

    /** {@code textBody}: only from the dev outbox, whose stored bodies are the only copy a developer can read. */
    public record Entry(
            UUID id,
            String recipient,
            String subject,
            String textBody,
            Instant createdAt,
            Instant sentAt,
            int attempts,
            String lastError) {}

    private final Database db;
    private final Clock clock;
    private final boolean showsBodies;
    private volatile Runnable committed = () -> {};

    /** {@code showsBodies}: the transport {@link MailTransport#keepsBodies keeps them} (the dev outbox). */
    public MailOutbox(Database db, Clock clock, boolean showsBodies) {
        this.db = db;
        this.clock = clock;
        this.showsBodies = showsBodies;
    }

    /** {@code delivery} runs after each commit that enqueued mail (the {@link MailWorker}'s nudge). */
    void onCommitted(Runnable delivery) {
        this.committed = delivery;
    }

    /**
     * Adds {@code m} in {@code h}'s transaction; once that commits, the worker is asked to deliver at once (never if it
     * rolls back).
     */
    public void enqueue(Handle h, MailMessage m) {
        Instant now = clock.instant();
        h.createUpdate("INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, created_at, next_try_at)"
                        + " VALUES (:id, :to, :subject, :text, :html, :now, :now)")
                .bind("id", UUID.randomUUID())
                .bind("to", m.to())
                .bind("subject", m.subject())
                .bind("text", m.text())
                .bind("html", m.html())
                .bind("now", now)
                .execute();
        Database.afterCommit(h, () -> committed.run());
    }

    public List<Entry> recent(int limit, int offset) {
        String body = showsBodies ? "text_body" : "NULL AS text_body";
        return db.withHandle(h -> h.createQuery("SELECT id, recipient, subject, " + body
                        + ", created_at, sent_at, attempts, last_error FROM mail_outbox"
                        + " ORDER BY created_at DESC LIMIT :limit OFFSET :offset")
                .bind("limit", limit)
                .bind("offset", offset)
                .map((rs, c) -> new Entry(
                        rs.getObject("id", UUID.class),
                        rs.getString("recipient"),
                        rs.getString("subject"),
                        rs.getString("text_body"),
                        rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                        java.util.Optional.ofNullable(rs.getObject("sent_at", OffsetDateTime.class))
                                .map(OffsetDateTime::toInstant)
                                .orElse(null),
                        rs.getInt("attempts"),
                        rs.getString("last_error")))
                .list());
    }

    /** Claims due messages and hands each to {@code send}; returns how many were sent. */
    public int deliverDue(MailTransport transport, int batch) {
        Instant now = clock.instant();
        return db.inTransaction(h -> {
            var due = h.createQuery("SELECT id, recipient, subject, text_body, html_body, attempts FROM mail_outbox"
                            + " WHERE sent_at IS NULL AND attempts < " + MAX_ATTEMPTS
                            + " AND next_try_at <= :now ORDER BY created_at LIMIT :batch"
                            + db.skipLocked())
                    .bind("now", now)
                    .bind("batch", batch)
                    .map((rs, c) -> new Object[] {
                        rs.getObject("id", UUID.class),
                        new MailMessage(
                                rs.getString("recipient"),
                                rs.getString("subject"),
                                rs.getString("text_body"),
                                rs.getString("html_body")),
                        rs.getInt("attempts")
                    })
                    .list();
            int sent = 0;
            for (Object[] row : due) {
                UUID id = (UUID) row[0];
                int attempts = (int) row[2] + 1;
                try {
                    transport.send((MailMessage) row[1]);
                    // Once a real mail server has the message, its links (live tokens) must not linger in our table.
                    String bodies = transport.keepsBodies() ? "" : ", text_body = '', html_body = ''";
                    h.createUpdate("UPDATE mail_outbox SET sent_at = :now, attempts = :a, last_error = NULL" + bodies
                                    + " WHERE id = :id")
                            .bind("now", now)
                            .bind("a", attempts)
                            .bind("id", id)
                            .execute();
                    sent++;
                } catch (Exception e) {
                    String error = e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage());
                    // Given up on: its links must not linger either (they expire, but may outlive an outage).
                    String bodies = attempts >= MAX_ATTEMPTS && !transport.keepsBodies()
                            ? ", text_body = '', html_body = ''"
                            : "";
                    h.createUpdate("UPDATE mail_outbox SET attempts = :a, last_error = :err, next_try_at = :next"
                                    + bodies + " WHERE id = :id")
                            .bind("a", attempts)
                            .bind("err", error.length() > 500 ? error.substring(0, 500) : error)
                            .bind("next", now.plusSeconds(30L << Math.min(attempts, 8)))
                            .bind("id", id)
                            .execute();
                }
            }
            return sent;
        });
    }
}
