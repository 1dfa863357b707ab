package dev.gatehouse.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * Collects the log events of the running JVM (a Logback ListAppender on the root logger) and lowers the given loggers
 * to INFO while it is open; the build runs tests with logs at WARN.
 */
public final class LogCapture implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final List<Logger> lowered;
    private final List<Level> previous;

    public LogCapture(String... loggersAtInfo) {
        this(Level.INFO, loggersAtInfo);
    }

    /** With the given loggers at {@code level} (say DEBUG, as an operator troubleshooting would set it). */
    public LogCapture(Level level, String... loggers) {
        appender.setContext(root.getLoggerContext());
        appender.start();
        root.addAppender(appender);
        this.lowered = java.util.Arrays.stream(loggers)
                .map(n -> (Logger) LoggerFactory.getLogger(n))
                .toList();
        this.previous = lowered.stream().map(Logger::getLevel).toList();
        lowered.forEach(l -> l.setLevel(level));
    }

    public List<ILoggingEvent> events() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    public List<ILoggingEvent> events(Predicate<ILoggingEvent> filter) {
        return events().stream().filter(filter).toList();
    }

    /** Waits briefly for a matching event: the access log is written after the response has been sent. */
    public List<ILoggingEvent> await(Predicate<ILoggingEvent> filter) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            var found = events(filter);
            if (!found.isEmpty()) return found;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return events(filter);
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
        for (int i = 0; i < lowered.size(); i++) lowered.get(i).setLevel(previous.get(i));
    }
}
