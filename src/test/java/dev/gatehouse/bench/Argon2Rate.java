package dev.gatehouse.bench;

import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.crypto.PasswordHasher;
import dev.gatehouse.platform.crypto.Secrets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The raw Argon2id rate at the server's parameters (read from the same {@code GATEHOUSE_ARGON2_*} variables) and with
 * the server's implementation ({@link PasswordHasher}: libargon2 when it loads, else password4j; force one with
 * {@code -Dgatehouse.argon2=native|java}): N threads verify a password against a stored hash, exactly what a login does,
 * for a fixed time, after a short warm-up. It prints the CPU time per hash too, the load-independent number.
 * The login benchmark is compared with this rate (bench/run.sh). Not a test: run with
 * {@code java -cp target/test-classes:target/gatehouse.jar dev.gatehouse.bench.Argon2Rate [threads] [seconds]}.
 */
public final class Argon2Rate {
    private Argon2Rate() {}

    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Config.Argon2 params = Config.fromEnv(System.getenv()).argon2();
        var hasher = new PasswordHasher(params, Secrets.system());
        String password = "Bench-pass-8f3k2-Zq!x";
        String stored = hasher.hash(password);

        var running = new AtomicBoolean(true);
        var measuring = new AtomicBoolean(false);
        var count = new LongAdder();
        var done = new CountDownLatch(threads);
        for (int i = 0; i < threads; i++) {
            Thread.ofPlatform().name("argon2-" + i).start(() -> {
                while (running.get()) {
                    if (!hasher.verify(password, stored)) throw new IllegalStateException("verify failed");
                    if (measuring.get()) count.increment();
                }
                done.countDown();
            });
        }
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        Thread.sleep(3_000); // warm-up: JIT, heap sizing
        measuring.set(true);
        long start = System.nanoTime();
        long cpuStart = os.getProcessCpuTime();
        Thread.sleep(seconds * 1_000L);
        measuring.set(false);
        long n = count.sum();
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpuStart) / 1e9;
        running.set(false);
        done.await();
        System.out.printf(
                java.util.Locale.ROOT,
                "RESULT argon2 hashes_per_s=%.1f threads=%d seconds=%.1f hashes=%d cpu_ms_per_hash=%.1f m=%d t=%d p=%d impl=%s%n",
                n / elapsed,
                threads,
                elapsed,
                n,
                cpu * 1000 / n,
                params.memoryKib(),
                params.iterations(),
                params.parallelism(),
                hasher.implementation().replace(' ', '_'));
    }
}
