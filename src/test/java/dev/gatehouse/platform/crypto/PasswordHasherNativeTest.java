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
        assertThat(NativeArgon2.load("auto")).isPresent();
    }

    @Test
    void nativeHashesVerifyWithPassword4jAndBack() {
        var nativeArgon2 = NativeArgon2.load("native").orElseThrow();
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
