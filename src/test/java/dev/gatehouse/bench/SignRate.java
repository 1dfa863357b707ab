package dev.gatehouse.bench;

import dev.gatehouse.platform.crypto.CryptoProviders;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The raw RS256 signing rate of the provider the server uses ({@link CryptoProviders#install}, ACCP where it loads), on
 * N threads at once: the bound the {@code client_credentials} RS256 row of {@code bench/run.sh} is compared with. Each
 * thread reuses one initialised {@link Signature} over a payload the size of an access token's signing input.
 *
 * <p>Run: {@code java -cp target/test-classes:target/gatehouse.jar dev.gatehouse.bench.SignRate <threads> <seconds>}.
 * Prints {@code RESULT rs256 signs_per_s=... threads=... provider=...}.
 */
public final class SignRate {
    private SignRate() {}

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        CryptoProviders.install("auto");
        var generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        PrivateKey key = generator.generateKeyPair().getPrivate();
        byte[] input = ("eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImsxIn0." + "x".repeat(300))
                .getBytes(StandardCharsets.US_ASCII);
        String provider = Signature.getInstance("SHA256withRSA").getProvider().getName();

        // Warm-up: one second on every thread, not counted.
        run(threads, 1.0, key, input, new LongAdder());
        var count = new LongAdder();
        long t0 = System.nanoTime();
        run(threads, seconds, key, input, count);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                "RESULT rs256 signs_per_s=%.1f threads=%d seconds=%.1f signs=%d provider=%s%n",
                count.sum() / elapsed, threads, elapsed, count.sum(), provider);
    }

    private static void run(int threads, double seconds, PrivateKey key, byte[] input, LongAdder count)
            throws Exception {
        var stop = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    Signature s = Signature.getInstance("SHA256withRSA");
                    while (!stop.get()) {
                        s.initSign(key);
                        s.update(input);
                        if (s.sign().length != 256) throw new IllegalStateException("not an RSA-2048 signature");
                        count.increment();
                    }
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
        }
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        for (Thread t : workers) t.join();
        if (!failures.isEmpty()) throw new IllegalStateException(failures.get(0));
    }
}
