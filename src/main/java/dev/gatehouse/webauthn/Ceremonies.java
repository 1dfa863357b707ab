package dev.gatehouse.webauthn;

import com.yubico.webauthn.data.ByteArray;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Problem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The begun WebAuthn ceremonies, shared by registration ({@link WebAuthnService}) and authentication ({@link
 * PasskeyAuthentication}): each stored by the SHA-256 of its challenge for {@link WebAuthnService#CEREMONY_TTL} and
 * taken (deleted) by the first response that names it, so any node can finish it and no challenge verifies twice; and
 * the {@code gatehouse.webauthn} counters of their outcomes.
 */
final class Ceremonies {
    static final String REGISTER = "register";
    static final String LOGIN = "login";
    static final String SECOND_FACTOR = "mfa";

    private final Database db;
    private final JdbiWebAuthnStore store;
    private final MeterRegistry metrics;

    Ceremonies(Database db, JdbiWebAuthnStore store, MeterRegistry metrics) {
        this.db = db;
        this.store = store;
        this.metrics = metrics;
        for (String ceremony : new String[] {"registration", "authentication"}) {
            counter(ceremony, "success", "ok");
        }
    }

    void save(String purpose, UUID userId, String binding, ByteArray challenge, String request, Instant now) {
        db.useTransaction(h -> {
            store.insertCeremony(
                    h,
                    new PendingCeremony(
                            challengeHash(challenge),
                            purpose,
                            userId,
                            binding,
                            request,
                            now,
                            now.plus(WebAuthnService.CEREMONY_TTL)));
        });
    }

    /**
     * Takes (deletes) the ceremony whose challenge the client signed. It must exist, be unexpired and be of the same
     * purpose, user and binding; otherwise the call is refused and the challenge is spent all the same.
     */
    PendingCeremony take(ByteArray challenge, String purpose, Optional<UUID> userId, String binding, Instant now) {
        Optional<PendingCeremony> found = db.inTransaction(h -> store.takeCeremony(h, challengeHash(challenge), now));
        return found.filter(c -> c.purpose().equals(purpose))
                .filter(c -> userId.map(id -> id.equals(c.userId())).orElse(c.userId() == null))
                .filter(c -> binding == null ? c.binding() == null : binding.equals(c.binding()))
                .orElseThrow(() -> {
                    count(REGISTER.equals(purpose) ? "registration" : "authentication", "failure", "challenge");
                    return Problem.badRequest(
                            "webauthn_challenge_invalid",
                            "The challenge is unknown, expired or already used; begin the ceremony again");
                });
    }

    static String challengeHash(ByteArray challenge) {
        return Secrets.sha256(challenge.getBase64Url());
    }

    void count(String ceremony, String outcome, String reason) {
        counter(ceremony, outcome, reason).increment();
    }

    private Counter counter(String ceremony, String outcome, String reason) {
        return Counter.builder("gatehouse.webauthn")
                .description("WebAuthn ceremonies by kind, outcome and reason")
                .tags("ceremony", ceremony, "outcome", outcome, "reason", reason)
                .register(metrics);
    }

    static Problem malformed(String ceremony) {
        return Problem.badRequest(
                "invalid_credential",
                "The body is not a PublicKeyCredential " + ceremony + " response (as PublicKeyCredential.toJSON())");
    }

    /** The library's message, shortened for the audit record (it names checks and origins, never keys). */
    static String reason(Exception e) {
        String m = e.getClass().getSimpleName() + ": " + (e.getMessage() == null ? "" : e.getMessage());
        m = m.replaceAll("[\\p{Cntrl}]", " ");
        return m.length() > 200 ? m.substring(0, 200) : m;
    }

    interface JsonWriter {
        String write() throws IOException;
    }

    static String json(JsonWriter w) {
        try {
            return w.write();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
