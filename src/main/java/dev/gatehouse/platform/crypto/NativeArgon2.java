package dev.gatehouse.platform.crypto;

import de.mkammerer.argon2.Argon2Advanced;
import de.mkammerer.argon2.Argon2Factory;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Argon2id through the reference C implementation (libargon2, shipped for the common platforms by argon2-jvm and called
 * through JNA). On this hardware it hashes about twice as fast as password4j's Java code, and its working memory (19 MiB
 * per hash by default) is malloc'd and freed outside the Java heap, so a login burst causes no garbage collection
 * (docs/benchmarks.md). It reads and writes the same PHC strings as password4j, both ways. When the native library
 * cannot load (another OS or CPU), {@link #load} is empty and {@link PasswordHasher} stays on password4j.
 */
final class NativeArgon2 {
    private static final Logger log = LoggerFactory.getLogger(NativeArgon2.class);

    private final Argon2Advanced argon2;

    private NativeArgon2(Argon2Advanced argon2) {
        this.argon2 = argon2;
    }

    /** {@code choice}: auto (native when it loads), native (must load), java (never). */
    static Optional<NativeArgon2> load(String choice) {
        if ("java".equals(choice)) return Optional.empty();
        try {
            var argon2 = Argon2Factory.createAdvanced(Argon2Factory.Argon2Types.ARGON2id, 16, 32);
            var probe = new NativeArgon2(argon2);
            String hash = probe.hash("probe", new byte[16], 8, 1, 1);
            if (!probe.verify("probe", hash) || probe.verify("probe!", hash)) {
                throw new IllegalStateException("libargon2 self-test failed");
            }
            return Optional.of(probe);
        } catch (RuntimeException | LinkageError e) {
            if ("native".equals(choice)) throw new IllegalStateException("native Argon2 requested but unavailable", e);
            log.info("Native Argon2 unavailable ({}); hashing passwords with password4j", e.toString());
            return Optional.empty();
        }
    }

    String hash(String password, byte[] salt, int memoryKib, int iterations, int parallelism) {
        return argon2.hash(iterations, memoryKib, parallelism, password.toCharArray(), StandardCharsets.UTF_8, salt);
    }

    /** For {@code $argon2id$v=19$} strings only; other variants and versions go to password4j. */
    boolean verify(String password, String stored) {
        return argon2.verify(stored, password.toCharArray(), StandardCharsets.UTF_8);
    }
}
