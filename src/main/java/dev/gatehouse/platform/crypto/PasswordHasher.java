package dev.gatehouse.platform.crypto;

import com.password4j.Argon2Function;
import com.password4j.BcryptFunction;
import com.password4j.Password;
import com.password4j.types.Argon2;
import dev.gatehouse.platform.config.Config;
import java.security.MessageDigest;
import java.security.spec.InvalidKeySpecException;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Argon2id in PHC format for new hashes. Verifies imported bcrypt, PBKDF2 ({@code $pbkdf2-sha256$}) and other
 * Argon2 hashes; {@link #needsRehash} tells the caller to store a fresh Argon2id hash after a successful login.
 */
public final class PasswordHasher {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PasswordHasher.class);
    private final Config.Argon2 params;
    private final Argon2Function argon2;
    private final Secrets secrets;
    private final String dummyHash;
    // An Argon2id computation holds memoryKib of heap (19 MiB by default) for its whole run. More of them at once than
    // there are cores is no faster; on virtual threads a login burst would hold burst x 19 MiB and drive the heap into
    // back-to-back full collections (or out of memory). Callers queue here instead, first come first served.
    private final Semaphore slots;
    private final int slotCount;
    // libargon2 when it loads (-Dgatehouse.argon2=auto|native|java), else password4j; resolved on first use so that
    // start-up does not pay for loading native code.
    private final String nativeChoice = System.getProperty("gatehouse.argon2", "auto");
    private volatile Optional<NativeArgon2> nativeArgon2;

    public PasswordHasher(Config.Argon2 params, Secrets secrets) {
        this.params = params;
        this.secrets = secrets;
        this.slotCount = Math.max(1, Runtime.getRuntime().availableProcessors() / params.parallelism());
        this.slots = new Semaphore(slotCount, true);
        this.argon2 = Argon2Function.getInstance(
                params.memoryKib(), params.iterations(), params.parallelism(), 32, Argon2.ID);
        // A well-formed hash of nothing: verifying against it costs one full Argon2id at the configured parameters,
        // like a real account, without spending a hash (about a second of a cold JVM) at start-up.
        var b64 = Base64.getEncoder().withoutPadding();
        this.dummyHash =
                argon2Prefix() + b64.encodeToString(secrets.bytes(16)) + "$" + b64.encodeToString(secrets.bytes(32));
    }

    public String hash(String password) {
        slots.acquireUninterruptibly();
        try {
            byte[] salt = secrets.bytes(16);
            Optional<NativeArgon2> fast = nativeArgon2();
            if (fast.isPresent()) {
                return fast.get().hash(password, salt, params.memoryKib(), params.iterations(), params.parallelism());
            }
            return Password.hash(password).addSalt(salt).with(argon2).getResult();
        } finally {
            slots.release();
        }
    }

    public boolean verify(String password, String stored) {
        if (stored == null) return false;
        slots.acquireUninterruptibly();
        try {
            return check(password, stored);
        } finally {
            slots.release();
        }
    }

    private boolean check(String password, String stored) {
        try {
            if (stored.startsWith("$argon2id$v=19$")) {
                Optional<NativeArgon2> fast = nativeArgon2();
                if (fast.isPresent()) return fast.get().verify(password, stored);
            }
            if (stored.startsWith("$argon2")) {
                return Password.check(password, stored).with(Argon2Function.getInstanceFromHash(stored));
            }
            if (stored.startsWith("$2a$") || stored.startsWith("$2b$") || stored.startsWith("$2y$")) {
                return Password.check(password, stored).with(BcryptFunction.getInstanceFromHash(stored));
            }
            if (stored.startsWith("$pbkdf2-")) return verifyPbkdf2(password, stored);
        } catch (RuntimeException e) {
            return false; // malformed imported hash: treat as a wrong password
        }
        return false;
    }

    /** Spends the same time as a real verification, so unknown accounts cannot be told apart by timing. */
    public void verifyDummy(String password) {
        verify(password, dummyHash);
    }

    public boolean needsRehash(String stored) {
        return stored == null || !stored.startsWith(argon2Prefix());
    }

    /** Which Argon2id implementation hashes: "libargon2 (native)" or "password4j". */
    public String implementation() {
        return nativeArgon2().isPresent() ? "libargon2 (native)" : "password4j";
    }

    private Optional<NativeArgon2> nativeArgon2() {
        Optional<NativeArgon2> n = nativeArgon2;
        if (n == null) {
            // A working-memory block per slot while hashes run side by side, one at rest: a second 19 MiB block held
            // for good takes the resident memory after load past the 300 MB budget, and mapping it afresh for every
            // other hash under load costs ~1 ms of CPU per hash (docs/benchmarks.md).
            n = NativeArgon2.load(nativeChoice, slotCount);
            nativeArgon2 = n;
            log.info(
                    "Passwords: Argon2id m={} KiB, t={}, p={} with {}",
                    params.memoryKib(),
                    params.iterations(),
                    params.parallelism(),
                    n.isPresent() ? "libargon2 (native)" : "password4j");
        }
        return n;
    }

    String dummyHash() {
        return dummyHash;
    }

    private String argon2Prefix() {
        return "$argon2id$v=19$m=" + params.memoryKib() + ",t=" + params.iterations() + ",p=" + params.parallelism()
                + "$";
    }

    // PHC-style PBKDF2 as written by passlib: $pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>
    private static boolean verifyPbkdf2(String password, String stored) {
        String[] parts = stored.split("\\$", -1);
        if (parts.length != 5) return false;
        String alg = switch (parts[1]) {
            case "pbkdf2-sha256" -> "PBKDF2WithHmacSHA256";
            case "pbkdf2-sha512" -> "PBKDF2WithHmacSHA512";
            case "pbkdf2-sha1", "pbkdf2" -> "PBKDF2WithHmacSHA1";
            default -> null;
        };
        if (alg == null) return false;
        int iterations = Integer.parseInt(parts[2]);
        byte[] salt = ab64(parts[3]);
        byte[] expected = ab64(parts[4]);
        try {
            var spec = new PBEKeySpec(password.toCharArray(), salt, iterations, expected.length * 8);
            byte[] actual =
                    SecretKeyFactory.getInstance(alg).generateSecret(spec).getEncoded();
            return MessageDigest.isEqual(actual, expected);
        } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
            return false;
        }
    }

    private static byte[] ab64(String s) {
        return Base64.getDecoder().decode(s.replace('.', '+'));
    }
}
