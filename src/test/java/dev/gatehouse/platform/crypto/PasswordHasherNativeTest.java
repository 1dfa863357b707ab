package dev.gatehouse.platform.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import dev.gatehouse.platform.config.Config;
import java.util.List;
import org.junit.jupiter.api.Test;

/** libargon2 and password4j read each other's PHC strings, so either can hash and either can verify. */
class PasswordHasherNativeTest {
    private static final Config.Argon2 PARAMS = new Config.Argon2(1024, 2, 1);
    private static final List<String> PASSWORDS =
            List.of("Quartz-otter-8f3k2-Zq!x", "pässwörd-ünïcødé-密码-🔑", " leading and trailing ");

    @Test
    void nativeLoadsOnThisPlatform() {
        // The build machines are Linux x86_64, where argon2-jvm ships libargon2; elsewhere the fallback applies.
        assertThat(NativeArgon2.load("auto", 2)).isPresent();
    }

    @Test
    void nativeHashesVerifyWithPassword4jAndBack() {
        var nativeArgon2 = NativeArgon2.load("native", 2).orElseThrow();
        var java = Argon2Function.getInstance(
                PARAMS.memoryKib(), PARAMS.iterations(), PARAMS.parallelism(), 32, Argon2.ID);
        for (String pw : PASSWORDS) {
            String fromNative = nativeArgon2.hash(pw, Secrets.system().bytes(16), 1024, 2, 1);
            assertThat(fromNative).startsWith("$argon2id$v=19$m=1024,t=2,p=1$");
            assertThat(Password.check(pw, fromNative).with(Argon2Function.getInstanceFromHash(fromNative)))
                    .isTrue();
            assertThat(Password.check(pw + "x", fromNative).with(Argon2Function.getInstanceFromHash(fromNative)))
                    .isFalse();

            String fromJava = Password.hash(pw).addRandomSalt(16).with(java).getResult();
            assertThat(nativeArgon2.verify(pw, fromJava)).isTrue();
            assertThat(nativeArgon2.verify(pw + "x", fromJava)).isFalse();
        }
    }

    @Test
    void pooledWorkingMemoryGivesTheLibrarysOwnAnswersAcrossParametersAndThreads() throws Exception {
        var nativeArgon2 = NativeArgon2.load("native", 1).orElseThrow();
        var library = de.mkammerer.argon2.Argon2Factory.createAdvanced(
                de.mkammerer.argon2.Argon2Factory.Argon2Types.ARGON2id, 16, 32);
        // Other sizes than the pool holds (a new block), two lanes, one iteration: each as the library computes it.
        for (int[] p : new int[][] {{1024, 2, 1}, {2048, 1, 2}, {1024, 3, 1}, {4096, 1, 1}}) {
            byte[] salt = Secrets.system().bytes(16);
            String ours = nativeArgon2.hash("Quartz-otter-8f3k2-Zq!x", salt, p[0], p[1], p[2]);
            String theirs = library.hash(
                    p[1],
                    p[0],
                    p[2],
                    "Quartz-otter-8f3k2-Zq!x".toCharArray(),
                    java.nio.charset.StandardCharsets.UTF_8,
                    salt);
            assertThat(ours).isEqualTo(theirs);
            assertThat(nativeArgon2.verify("Quartz-otter-8f3k2-Zq!x", theirs)).isTrue();
            assertThat(nativeArgon2.verify("Quartz-otter-8f3k2-Zq!X", theirs)).isFalse();
        }
        // More hashes at once than the pool keeps: every one still right.
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var results = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
            for (int i = 0; i < 16; i++) {
                String pw = "pw-" + i;
                results.add(pool.submit(() -> {
                    String h = nativeArgon2.hash(pw, Secrets.system().bytes(16), 1024, 1, 1);
                    return library.verify(h, pw.toCharArray(), java.nio.charset.StandardCharsets.UTF_8)
                            && nativeArgon2.verify(pw, h)
                            && !nativeArgon2.verify(pw + "!", h);
                }));
            }
            for (var r : results) assertThat(r.get()).isTrue();
        } finally {
            pool.shutdownNow();
        }
        // Not a PHC string of this shape: refused, not thrown.
        assertThat(nativeArgon2.verify("x", "$argon2id$v=19$m=1024,t=1,p=1$AAAA$AAAA"))
                .isFalse();
    }

    @Test
    void hasherAgreesAcrossImplementations() {
        var hasher = new PasswordHasher(PARAMS, Secrets.system());
        assertThat(hasher.implementation()).isEqualTo("libargon2 (native)");
        String hash = hasher.hash("Quartz-otter-8f3k2-Zq!x");
        assertThat(hasher.verify("Quartz-otter-8f3k2-Zq!x", hash)).isTrue();
        assertThat(hasher.verify("quartz-otter-8f3k2-Zq!x", hash)).isFalse();
        assertThat(hasher.needsRehash(hash)).isFalse();
        assertThat(hasher.verify("anything", hasher.dummyHash())).isFalse();
        // argon2i and other versions stay with password4j
        String argon2i = Password.hash("Quartz-otter-8f3k2-Zq!x")
                .addRandomSalt(16)
                .with(Argon2Function.getInstance(1024, 2, 1, 32, Argon2.I))
                .getResult();
        assertThat(hasher.verify("Quartz-otter-8f3k2-Zq!x", argon2i)).isTrue();
        assertThat(hasher.needsRehash(argon2i)).isTrue();
    }
}
