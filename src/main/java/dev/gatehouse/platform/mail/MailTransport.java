package dev.gatehouse.platform.mail;

/** Hands a message to the outside world: SMTP, or the dev outbox's log line. */
public interface MailTransport {
    void send(MailMessage message) throws Exception;

    String describe();

    /** True for the dev outbox, whose stored bodies are the only copy a developer can read. */
    default boolean keepsBodies() {
        return false;
    }
}
