package dev.gatehouse;

import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.config.ConfigException;
import java.util.concurrent.CountDownLatch;

/** Reads the environment, starts Gatehouse, and on SIGTERM drains and stops it. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        if ("json".equalsIgnoreCase(System.getenv("GATEHOUSE_LOG_FORMAT"))) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
        long started = System.nanoTime();
        Config config;
        try {
            config = Config.fromEnv(System.getenv());
        } catch (ConfigException e) {
            System.err.println("gatehouse: configuration error: " + e.getMessage());
            exit(2);
            return;
        }
        App app;
        try {
            app = App.start(config);
        } catch (ConfigException e) {
            System.err.println("gatehouse: configuration error: " + e.getMessage());
            exit(2);
            return;
        } catch (RuntimeException e) {
            System.err.println("gatehouse: could not start: " + rootMessage(e));
            exit(1);
            return;
        }
        org.slf4j.LoggerFactory.getLogger(Main.class)
                .info(
                        "Gatehouse {} ready on {} (port {}) in {} ms",
                        App.VERSION,
                        config.issuer(),
                        app.port(),
                        (System.nanoTime() - started) / 1_000_000);
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            app.close();
                            flushLogs();
                            stopped.countDown();
                        },
                        "shutdown"));
        stopped.await();
    }

    private static void exit(int status) {
        flushLogs();
        System.exit(status);
    }

    /** Writes the log lines still queued in the asynchronous appender (logback.xml) and stops logging. */
    private static void flushLogs() {
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context) {
            context.stop();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
