package dev.gatehouse.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.TestServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The interoperability suite in {@code interop/}: panva's {@code openid-client} (an OpenID-certified relying party,
 * on {@code oauth4webapi}) and {@code jose} drive the real server over HTTP under Node's built-in test runner. Each
 * {@code interop/test/*.test.mjs} file is one protocol area; this test boots the server, installs the locked npm
 * packages when {@code interop/node_modules} is missing or stale, runs every file, streams the runner's output into
 * the test log, and fails unless Node exits 0 with no failing test and at least {@link #MIN_PASSING} passing ones.
 *
 * <p>Without {@code node} on the PATH the test fails under {@code CI=true} and is skipped, with a message, elsewhere.
 * It runs once (on H2): the suite checks protocol behaviour, which the engine does not change.
 */
class OpenIdClientInteropTest {
    /** Raise this when test files are added, so a file that silently stops running is noticed. */
    static final int MIN_PASSING = 60;

    static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
    static final Duration NODE_TIMEOUT = Duration.ofMinutes(5);
    static final Path INTEROP = Path.of(System.getProperty("basedir", "."))
            .resolve("interop")
            .toAbsolutePath()
            .normalize();

    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void openIdClientInteroperatesWithGatehouse() throws Exception {
        Path node = executable("node").orElse(null);
        if (node == null) {
            String message = "node is not on the PATH: the openid-client interop suite in interop/ cannot run";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(message + " (CI=true)");
            System.err.println("SKIPPED: " + message);
            Assumptions.abort(message);
        }
        assertThat(INTEROP.resolve("package-lock.json")).exists();
        ensureNodeModules();

        List<String> files;
        try (Stream<Path> s = Files.list(INTEROP.resolve("test"))) {
            files = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".test.mjs"))
                    .sorted()
                    .map(n -> "test/" + n)
                    .toList();
        }
        assertThat(files).as("interop test files").isNotEmpty();

        var command = new ArrayList<>(List.of(node.toString(), "--test", "--test-reporter=spec"));
        command.addAll(files);
        Run run = run(
                command,
                Map.of(
                        "ISSUER", server.base,
                        "ADMIN_EMAIL", TestServer.ADMIN_EMAIL,
                        "ADMIN_PASSWORD", TestServer.ADMIN_PASSWORD),
                NODE_TIMEOUT);

        String output = run.output();
        int pass = summary(output, "pass");
        int fail = summary(output, "fail");
        int cancelled = summary(output, "cancelled");
        assertThat(run.exitCode())
                .as("node --test exit code (timed out: %s)\n%s", run.timedOut(), output)
                .isZero();
        assertThat(fail).as("failing interop tests\n%s", output).isZero();
        assertThat(cancelled).as("cancelled interop tests\n%s", output).isZero();
        assertThat(pass).as("passing interop tests\n%s", output).isGreaterThanOrEqualTo(MIN_PASSING);
    }

    /** Runs {@code npm ci} when node_modules is missing or older than the lockfile. */
    static void ensureNodeModules() throws Exception {
        Path installed = INTEROP.resolve("node_modules/.package-lock.json");
        Path lock = INTEROP.resolve("package-lock.json");
        if (Files.exists(installed)
                && !Files.getLastModifiedTime(installed)
                        .toInstant()
                        .isBefore(Files.getLastModifiedTime(lock).toInstant())) return;
        Path npm = executable("npm")
                .orElseThrow(() -> new AssertionError("node is installed but npm is not: cannot install interop/"));
        Run run = run(List.of(npm.toString(), "ci", "--no-audit", "--no-fund"), Map.of(), NPM_TIMEOUT);
        assertThat(run.exitCode())
                .as("npm ci in interop/ (timed out: %s)\n%s", run.timedOut(), run.output())
                .isZero();
    }

    record Run(int exitCode, boolean timedOut, String output) {}

    /** Runs a command in interop/, echoing each output line to the test log, and kills it at the timeout. */
    static Run run(List<String> command, Map<String, String> env, Duration timeout) throws Exception {
        System.out.println("[interop] $ " + String.join(" ", command));
        var builder = new ProcessBuilder(command).directory(INTEROP.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("NO_COLOR", "1");
        builder.environment().remove("FORCE_COLOR");
        Process process = builder.start();
        process.getOutputStream().close();
        var output = new StringBuilder();
        Thread pump = Thread.ofVirtual().start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    System.out.println("[interop] " + line);
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        pump.join(Duration.ofSeconds(10));
        synchronized (output) {
            return new Run(finished ? process.exitValue() : -1, !finished, output.toString());
        }
    }

    /** A count from the runner's closing summary: {@code # pass 12} (TAP) or {@code ℹ pass 12} (spec). */
    static int summary(String output, String name) {
        Matcher m = Pattern.compile("(?m)^(?:#|\u2139)\\s+" + name + "\\s+(\\d+)\\s*$")
                .matcher(output);
        int value = -1;
        while (m.find()) value = Integer.parseInt(m.group(1));
        if (value < 0) throw new AssertionError("no '" + name + "' count in the node --test summary\n" + output);
        return value;
    }

    static Optional<Path> executable(String name) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String dir : path.split(File.pathSeparator, -1)) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }
}
