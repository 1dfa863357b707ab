package dev.gatehouse.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The server's TOTP against RFC 6238 Appendix B and its base32 against RFC 4648 section 10. */
class TotpTest {
    private static final byte[] SHA1_SEED = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    @Test
    void whenRfc6238VectorsAreComputed_thenCodesMatchAppendixB() {
        long[] times = {59L, 1111111109L, 1111111111L, 1234567890L, 2000000000L, 20000000000L};
        String[] expected = {"94287082", "07081804", "14050471", "89005924", "69279037", "65353130"};
        for (int i = 0; i < times.length; i++) {
            assertThat(Totp.code(SHA1_SEED, Totp.step(times[i]), "HmacSHA1", 8))
                    .as("T=%d", times[i])
                    .isEqualTo(expected[i]);
        }
    }

    @Test
    void whenSixDigitCodeIsComputed_thenItIsTheLastSixDigitsOfTheVector() {
        assertThat(Totp.code(SHA1_SEED, Totp.step(59))).isEqualTo("287082");
    }

    @Test
    void whenBase32RoundTrips_thenRfc4648VectorsHold() {
        assertThat(Totp.base32("foobar".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YTBOI");
        assertThat(Totp.base32("f".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MY");
        assertThat(new String(Totp.fromBase32("MZXW6YTBOI======"), StandardCharsets.US_ASCII))
                .isEqualTo("foobar");
    }

    @Test
    void whenTestClientComputesACode_thenItAgreesWithTheServer() {
        byte[] secret = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        String b32 = Totp.base32(secret);
        for (long step = 1; step < 2000; step += 97) {
            assertThat(TotpCodes.forStep(b32, step)).isEqualTo(Totp.code(secret, step));
        }
    }
}
