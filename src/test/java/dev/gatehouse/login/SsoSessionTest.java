package dev.gatehouse.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The RFC 8176 {@code amr} of a sign-in counts kinds of factor, not steps (ADR 0032). */
class SsoSessionTest {
    @Test
    void whenTwoKindsOfFactorSignIn_thenMfaIsStated() {
        assertThat(SsoSession.amrOf("password+totp")).containsExactly("pwd", "otp", "mfa");
        assertThat(SsoSession.amrOf("password+email")).containsExactly("pwd", "otp", "mfa");
        assertThat(SsoSession.amrOf("magic_link+totp")).containsExactly("otp", "mfa");
        assertThat(SsoSession.amrOf("password+webauthn", List.of("hwk", "user")))
                .containsExactly("pwd", "hwk", "user", "mfa");
        assertThat(SsoSession.amrOf("passkey", List.of("hwk", "user", "mfa"))).containsExactly("hwk", "user", "mfa");
    }

    @Test
    void whenBothStepsProveTheSameThing_thenOneFactorIsStated() {
        assertThat(SsoSession.amrOf("magic_link+email")).containsExactly("otp");
        assertThat(SsoSession.amrOf("passkey+webauthn", List.of("hwk", "user"))).containsExactly("hwk", "user");
        assertThat(SsoSession.amrOf("password")).containsExactly("pwd");
        assertThat(SsoSession.amrOf("passkey", List.of("swk"))).containsExactly("swk");
    }

    @Test
    void whenASessionIsSteppedUp_thenItsFirstFactorIsTheOneItBeganWith() {
        assertThat(session(List.of("pwd")).firstFactor()).isEqualTo("password");
        assertThat(session(List.of("otp")).firstFactor()).isEqualTo("magic_link");
        assertThat(session(List.of("hwk", "user")).firstFactor()).isEqualTo("passkey");
        assertThat(session(List.of("swk")).firstFactor()).isEqualTo("passkey");
    }

    private static SsoSession session(List<String> amr) {
        Instant now = Instant.parse("2026-12-07T00:00:00Z");
        return new SsoSession(UUID.randomUUID(), UUID.randomUUID(), now, now.plusSeconds(3600), amr);
    }
}
