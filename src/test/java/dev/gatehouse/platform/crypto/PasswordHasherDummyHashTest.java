package dev.gatehouse.platform.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.password4j.Argon2Function;
import com.password4j.types.Argon2;
import dev.gatehouse.platform.config.Config;
import org.junit.jupiter.api.Test;

/** The dummy hash (unknown-email logins verify against it) must cost exactly what a real account's hash costs. */
class PasswordHasherDummyHashTest {
    private final Config.Argon2 params = new Config.Argon2(2048, 3, 1);
    private final PasswordHasher hasher = new PasswordHasher(params, Secrets.system());

    @Test
    void dummyHashIsAWellFormedArgon2idHashAtTheConfiguredParameters() {
        String dummy = hasher.dummyHash();
        Argon2Function f = Argon2Function.getInstanceFromHash(dummy);
        assertThat(f.getVariant()).isEqualTo(Argon2.ID);
        assertThat(f.getMemory()).isEqualTo(2048);
        assertThat(f.getIterations()).isEqualTo(3);
        assertThat(f.getParallelism()).isEqualTo(1);
        assertThat(f.getOutputLength()).isEqualTo(32);
        assertThat(hasher.needsRehash(dummy)).isFalse();
        String real = hasher.hash("correct horse battery staple");
        assertThat(dummy.length()).isEqualTo(real.length());
        assertThat(dummy.substring(0, dummy.lastIndexOf('$', dummy.lastIndexOf('$') - 1)))
                .isEqualTo(real.substring(0, real.lastIndexOf('$', real.lastIndexOf('$') - 1)));
    }

    @Test
    void verifyingAgainstTheDummyHashComputesAndFails() {
        assertThat(hasher.verify("anything", hasher.dummyHash())).isFalse();
        assertThat(Argon2Function.getInstanceFromHash(hasher.dummyHash()).check("anything", hasher.dummyHash()))
                .isFalse();
    }
}
