package dev.gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** RFC 6749 §5.2: {@code error_description} holds only printable ASCII without {@code "} and {@code \}. */
class OAuthErrorTest {
    @Test
    void whenADescriptionQuotesTheRequest_thenOnlyTheCharactersTheRfcAllowsGoOut() {
        var e = OAuthError.unsupportedGrantType("grant type fö\"o\\\n\u202e is not supported");
        assertThat(e.description()).isEqualTo("grant type fo is not supported");
        assertThat(e.body()).containsEntry("error_description", "grant type fo is not supported");
        assertThat(e.description().chars()).allMatch(c -> c >= 0x20 && c <= 0x7e && c != '"' && c != '\\');
    }

    @Test
    void whenThereIsNoDescription_thenTheBodyHasOnlyTheError() {
        assertThat(new OAuthError(400, "invalid_request", null).body()).containsOnlyKeys("error");
    }
}
