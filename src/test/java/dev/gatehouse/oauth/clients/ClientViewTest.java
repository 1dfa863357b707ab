package dev.gatehouse.oauth.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The RFC 7591 §3.2.1 answer about a client: the server's fields win over anything stored under their names. */
class ClientViewTest {
    static OAuthClient storedWith(String field, Object value) {
        var m = new OIDCClientMetadata();
        m.setName("legacy");
        m.setCustomField(field, value);
        return new OAuthClient("gc_real", Optional.empty(), m, false, Instant.ofEpochSecond(1000), Instant.EPOCH);
    }

    @Test
    void whenStoredMetadataNamesAResponseOnlyField_thenTheServersValueIsShownOrNothing() {
        assertThat(ClientRoutes.view(storedWith("client_id", "x"), null)).containsEntry("client_id", "gc_real");
        assertThat(ClientRoutes.view(storedWith("client_id_issued_at", 1), null))
                .containsEntry("client_id_issued_at", 1000L);
        assertThat(ClientRoutes.view(storedWith("client_secret", "chosen"), null))
                .doesNotContainKey("client_secret");
        assertThat(ClientRoutes.view(storedWith("client_secret", "chosen"), "gcs_issued"))
                .containsEntry("client_secret", "gcs_issued");
        assertThat(ClientRoutes.view(storedWith("client_secret_expires_at", 5), "gcs_issued"))
                .containsEntry("client_secret_expires_at", 0);
        assertThat(ClientRoutes.view(storedWith("registration_access_token", "grt_chosen"), null))
                .doesNotContainKey("registration_access_token")
                .containsEntry("client_name", "legacy");
    }
}
