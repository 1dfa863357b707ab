package dev.gatehouse.oauth.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import dev.gatehouse.platform.keys.KeyRing;
import org.junit.jupiter.api.Test;

/**
 * What a client may choose to have its ID and access tokens signed with is what the key ring can sign with: the list
 * registration checks and the admin algorithms endpoint shows, and the set discovery advertises, are one.
 */
class SigningAlgorithmsTest {
    @Test
    void whenTheKeyRingSupportsAnAlgorithm_thenClientsMayChooseItAndNothingElse() {
        assertThat(ClientMetadataRules.ID_TOKEN_ALGS)
                .containsExactlyInAnyOrderElementsOf(
                        KeyRing.SUPPORTED.stream().map(JWSAlgorithm::getName).toList());
        assertThat(ClientMetadataRules.ID_TOKEN_ALGS.get(0))
                .as("OIDC Registration §2's default first")
                .isEqualTo("RS256");
    }
}
