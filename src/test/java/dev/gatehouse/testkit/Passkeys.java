package dev.gatehouse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The {@code /v1} calls that register a passkey or security key, as tests make them against one server. */
public final class Passkeys {
    private Passkeys() {}

    /** {@code register/begin} for the signed-in caller; its creation options (fails the test unless 200). */
    public static JsonNode registerBegin(TestServer server, String access) {
        var r = server.http
                .post("/v1/auth/mfa/webauthn/register/begin")
                .bearer(access)
                .send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    /** {@code register/finish} with an authenticator's answer; the response, whatever its status. */
    public static HttpJson.Response registerFinish(TestServer server, String access, ObjectNode credential) {
        return server.http
                .post("/v1/auth/mfa/webauthn/register/finish")
                .bearer(access)
                .json(credential)
                .send();
    }
}
