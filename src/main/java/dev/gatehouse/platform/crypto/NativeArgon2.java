package dev.gatehouse.platform.crypto;

import com.sun.jna.Callback;
import com.sun.jna.CallbackReference;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import de.mkammerer.argon2.Argon2Advanced;
import de.mkammerer.argon2.Argon2Factory;
import de.mkammerer.argon2.jna.Argon2Library;
import de.mkammerer.argon2.jna.Argon2_context;
import de.mkammerer.argon2.jna.Argon2_version;
import de.mkammerer.argon2.jna.JnaUint32;
import de.mkammerer.argon2.jna.Size_t;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Argon2id through the reference C implementation (libargon2, shipped for the common platforms by argon2-jvm and called
 * through JNA). On this hardware it hashes about twice as fast as password4j's Java code, and its working memory (19 MiB
 * per hash by default) lives outside the Java heap, so a login burst causes no garbage collection (docs/benchmarks.md).
 * It reads and writes the same PHC strings as password4j, both ways. When the native library cannot load (another OS or
 * CPU), {@link #load} is empty and {@link PasswordHasher} stays on password4j.
 *
 * <p>The working memory comes from a small pool through libargon2's allocation callbacks instead of malloc: a block
 * handed back is reused by the next hash, already mapped and touched. Fresh memory for every hash (malloc of 19 MiB
 * either maps new pages or, shared with every other thread's allocations, fragments) costs the kernel a few
 * milliseconds of page faults and zeroing per hash, 10-15 % of a login. While hashes run side by side the pool keeps
 * as many blocks as {@link PasswordHasher} runs at once; after {@link #LINGER} without two at once it gives back all
 * but one, so a server at rest holds a single block (resident memory).
 */
final class NativeArgon2 {
    private static final Logger log = LoggerFactory.getLogger(NativeArgon2.class);
    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=([0-9]{1,8}),t=([0-9]{1,4}),p=([0-9]{1,3})\\$([A-Za-z0-9+/]{11,86})\\$([A-Za-z0-9+/]{22,86})");

    private final Argon2Advanced argon2;
    private final Argon2Library lib = Argon2Library.INSTANCE;
    private final BlockPool pool;

    /** How long the pool keeps more than one block after the last time two hashes ran at once. */
    static final java.time.Duration LINGER = java.time.Duration.ofSeconds(1);

    private NativeArgon2(Argon2Advanced argon2, int pooled) {
        this.argon2 = argon2;
        this.pool = new BlockPool(pooled, LINGER);
    }

    /**
     * {@code choice}: auto (native when it loads), native (must load), java (never). {@code pooled}: blocks kept while
     * hashes run side by side.
     */
    static Optional<NativeArgon2> load(String choice, int pooled) {
        if ("java".equals(choice)) return Optional.empty();
        try {
            var argon2 = Argon2Factory.createAdvanced(Argon2Factory.Argon2Types.ARGON2id, 16, 32);
            var probe = new NativeArgon2(argon2, pooled);
            String hash = probe.hash("probe", new byte[16], 8, 1, 1);
            // The library's own encoder and verifier against ours: both directions must agree.
            if (!probe.verify("probe", hash)
                    || probe.verify("probe!", hash)
                    || !argon2.verify(hash, "probe".toCharArray(), StandardCharsets.UTF_8)) {
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
        byte[] raw = raw(password, salt, memoryKib, iterations, parallelism, 32);
        var b64 = Base64.getEncoder().withoutPadding();
        return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism + "$"
                + b64.encodeToString(salt) + "$" + b64.encodeToString(raw);
    }

    /** For {@code $argon2id$v=19$} strings only; other variants and versions go to password4j. */
    boolean verify(String password, String stored) {
        Matcher m = PHC.matcher(stored);
        if (!m.matches()) {
            try {
                return argon2.verify(stored, password.toCharArray(), StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                return false; // a string the library cannot decode either
            }
        }
        var b64 = Base64.getDecoder();
        byte[] salt = b64.decode(m.group(4));
        byte[] expected = b64.decode(m.group(5));
        int memoryKib = Integer.parseInt(m.group(1));
        int iterations = Integer.parseInt(m.group(2));
        int parallelism = Integer.parseInt(m.group(3));
        if (salt.length < 8 || expected.length < 16 || memoryKib < 8 * parallelism || iterations < 1 || parallelism < 1)
            return false;
        byte[] actual = raw(password, salt, memoryKib, iterations, parallelism, expected.length);
        return MessageDigest.isEqual(actual, expected);
    }

    private byte[] raw(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        byte[] pwd = password.getBytes(StandardCharsets.UTF_8);
        try (var out = new Memory(length);
                var pwdMem = new Memory(Math.max(1, pwd.length));
                var saltMem = new Memory(salt.length)) {
            pwdMem.write(0, pwd, 0, pwd.length);
            saltMem.write(0, salt, 0, salt.length);
            var ctx = new Argon2_context.ByReference();
            ctx.out = out;
            ctx.outlen = new JnaUint32(length);
            ctx.pwd = pwdMem;
            ctx.pwdlen = new JnaUint32(pwd.length);
            ctx.salt = saltMem;
            ctx.saltlen = new JnaUint32(salt.length);
            ctx.secret = null;
            ctx.secretlen = new JnaUint32(0);
            ctx.ad = null;
            ctx.adlen = new JnaUint32(0);
            ctx.t_cost = new JnaUint32(iterations);
            ctx.m_cost = new JnaUint32(memoryKib);
            ctx.lanes = new JnaUint32(parallelism);
            ctx.threads = new JnaUint32(parallelism);
            ctx.version = new Argon2_version(0x13);
            ctx.allocate_cbk = pool.allocate;
            ctx.free_cbk = pool.free;
            ctx.flags = new JnaUint32(1 | 2); // ARGON2_FLAG_CLEAR_PASSWORD | ARGON2_FLAG_CLEAR_SECRET
            int rc = lib.argon2id_ctx(ctx);
            pwdMem.clear();
            if (rc != Argon2Library.ARGON2_OK) throw new IllegalStateException(lib.argon2_error_message(rc));
            return out.getByteArray(0, length);
        } finally {
            java.util.Arrays.fill(pwd, (byte) 0);
        }
    }

    /**
     * Working-memory blocks for libargon2, handed back and reused. At most {@code keep} are kept between hashes, and
     * only one once {@code linger} has passed since two blocks were last lent at once.
     */
    static final class BlockPool {
        interface Allocate extends Callback {
            int invoke(PointerByReference memory, Size_t bytes);
        }

        interface Free extends Callback {
            void invoke(Pointer memory, Size_t bytes);
        }

        private final int keep;
        private final long lingerNanos;
        private final ConcurrentLinkedDeque<Memory> idle = new ConcurrentLinkedDeque<>();
        private final java.util.Map<Long, Memory> lent = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicBoolean trimScheduled =
                new java.util.concurrent.atomic.AtomicBoolean();
        /** {@link System#nanoTime} when two or more blocks were last lent at once. */
        private volatile long lastSideBySide = System.nanoTime();
        // Strong references: the native side holds only the function pointers.
        private final Allocate allocateCallback = this::allocate;
        private final Free freeCallback = this::free;
        final Pointer allocate = CallbackReference.getFunctionPointer(allocateCallback);
        final Pointer free = CallbackReference.getFunctionPointer(freeCallback);

        BlockPool(int keep, java.time.Duration linger) {
            this.keep = keep;
            this.lingerNanos = linger.toNanos();
        }

        int allocate(PointerByReference memory, Size_t bytes) {
            long size = bytes.longValue();
            Memory block = null;
            for (var it = idle.iterator(); it.hasNext(); ) {
                Memory m = it.next();
                if (!idle.remove(m)) continue; // another hash took it
                if (m.size() == size) {
                    block = m;
                    break;
                }
                // A block of other parameters (the start-up self-test's 8 KiB, or the cost before a change) would
                // hold one of the kept places for good, and a block of the size in use would be freed and mapped
                // afresh on every other hash.
                m.close();
            }
            if (block == null) block = new Memory(size);
            lent.put(Pointer.nativeValue(block), block);
            if (lent.size() > 1) lastSideBySide = System.nanoTime();
            memory.setValue(block);
            return 0; // ARGON2_OK
        }

        void free(Pointer memory, Size_t bytes) {
            Memory block = lent.remove(Pointer.nativeValue(memory));
            if (block == null) return;
            if (idle.size() < keep) {
                idle.push(block);
                if (idle.size() > 1) trimLater(lingerNanos);
            } else {
                block.close();
            }
        }

        private void trimLater(long delayNanos) {
            if (!trimScheduled.compareAndSet(false, true)) return;
            java.util.concurrent.CompletableFuture.delayedExecutor(
                            delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS)
                    .execute(this::trim);
        }

        /** Gives back all idle blocks but one, unless two hashes ran at once within the last {@code linger}. */
        private void trim() {
            trimScheduled.set(false);
            long quiet = System.nanoTime() - lastSideBySide;
            if (quiet < lingerNanos) {
                trimLater(lingerNanos - quiet);
                return;
            }
            while (idle.size() > 1) {
                Memory m = idle.pollLast();
                if (m == null) break;
                m.close();
            }
        }

        /** The sizes of the blocks kept for reuse now. */
        List<Long> idleSizes() {
            return idle.stream().map(Memory::size).toList();
        }
    }
}
