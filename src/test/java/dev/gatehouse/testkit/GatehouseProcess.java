package dev.gatehouse.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code dev.gatehouse.Main} in its own JVM, on the test class path, with exactly the GATEHOUSE_* variables given (none
 * inherited), its stdout and stderr collected line by line. {@link #terminate()} sends SIGTERM.
 */
public final class GatehouseProcess implements AutoCloseable {
    private final Process process;
    private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());

    private GatehouseProcess(Map<String, String> env) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = Optional.ofNullable(System.getProperty("surefire.test.class.path"))
                .filter(s -> !s.isBlank())
                .orElse(System.getProperty("java.class.path"));
        var pb = new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-Xshare:auto",
                "-Xmx256m",
                "-cp",
                classpath,
                "dev.gatehouse.Main");
        pb.environment().keySet().removeIf(k -> k.startsWith("GATEHOUSE_"));
        pb.environment().putAll(env);
        try {
            this.process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        collect(process.getInputStream(), stdout);
        collect(process.getErrorStream(), stderr);
    }

    public static GatehouseProcess start(Map<String, String> env) {
        return new GatehouseProcess(env);
    }

    private static void collect(InputStream in, List<String> into) {
        Thread.ofPlatform().daemon().start(() -> {
            try (var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) into.add(line);
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    public List<String> stdout() {
        synchronized (stdout) {
            return List.copyOf(stdout);
        }
    }

    public List<String> stderr() {
        synchronized (stderr) {
            return List.copyOf(stderr);
        }
    }

    /** Waits until a stdout line matches; fails the test after {@code timeout} or when the process ends first. */
    public String awaitStdout(Predicate<String> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean ended = false;
        while (System.nanoTime() < deadline) {
            Optional<String> hit = stdout().stream().filter(match).findFirst();
            if (hit.isPresent()) return hit.get();
            if (ended) break;
            ended = !process.isAlive(); // one more look after the exit, for the last lines
            sleep(ended ? 200 : 25);
        }
        throw new AssertionError(
                "no matching output within " + timeout + "; stdout=" + stdout() + " stderr=" + stderr());
    }

    /** Waits for the exit and for the output readers to drain; returns the exit code. */
    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("process still running after " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        sleep(100); // let the reader threads take the last lines
        return process.exitValue();
    }

    /** SIGTERM, as a service manager would send. */
    public void terminate() {
        process.destroy();
    }

    public boolean alive() {
        return process.isAlive();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
