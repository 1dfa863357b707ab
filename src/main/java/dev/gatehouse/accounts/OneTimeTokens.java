package dev.gatehouse.accounts;

import dev.gatehouse.platform.crypto.Secrets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Email verification, password reset and magic-link tokens: 256-bit random, stored only as SHA-256, single use,
 * short-lived. Redeeming marks the row used in the same statement that checks it, so a token works once even under
 * concurrent calls.
 */
final class OneTimeTokens {
    enum Purpose {
        VERIFY_EMAIL("ve_", Duration.ofHours(24)),
        RESET_PASSWORD("pr_", Duration.ofMinutes(30)),
        MAGIC_LINK("ml_", Duration.ofMinutes(15));

        final String prefix;
        final Duration ttl;

        Purpose(String prefix, Duration ttl) {
            this.prefix = prefix;
            this.ttl = ttl;
        }
    }

    record Redeemed(UUID userId, String email) {}

    private final Secrets secrets;

    OneTimeTokens(Secrets secrets) {
        this.secrets = secrets;
    }

    /** Issues a token; earlier unused tokens of the same purpose for the same email stop working. */
    String issue(Handle h, Purpose purpose, UUID userId, String email, Instant now) {
        h.createUpdate(
                        "UPDATE one_time_tokens SET used_at = :now WHERE purpose = :p AND email = :e AND used_at IS NULL")
                .bind("now", now)
                .bind("p", purpose.name())
                .bind("e", User.normalize(email))
                .execute();
        String token = secrets.token(purpose.prefix);
        h.createUpdate("INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, created_at, expires_at)"
                        + " VALUES (:hash, :p, :user, :e, :now, :exp)")
                .bind("hash", Secrets.sha256(token))
                .bind("p", purpose.name())
                .bind("user", (Object) userId)
                .bind("e", User.normalize(email))
                .bind("now", now)
                .bind("exp", now.plus(purpose.ttl))
                .execute();
        return token;
    }

    Optional<Redeemed> redeem(Handle h, Purpose purpose, String token, Instant now) {
        if (token == null || !token.startsWith(purpose.prefix) || token.length() > 100) return Optional.empty();
        String hash = Secrets.sha256(token);
        int claimed = h.createUpdate(
                        "UPDATE one_time_tokens SET used_at = :now WHERE token_hash = :hash AND purpose = :p"
                                + " AND used_at IS NULL AND expires_at > :now")
                .bind("now", now)
                .bind("hash", hash)
                .bind("p", purpose.name())
                .execute();
        if (claimed != 1) return Optional.empty();
        return h.createQuery("SELECT user_id, email FROM one_time_tokens WHERE token_hash = :hash")
                .bind("hash", hash)
                .map((rs, c) -> new Redeemed(rs.getObject("user_id", UUID.class), rs.getString("email")))
                .findOne();
    }

    /** The address of a live (unused, unexpired) token, without spending it; empty otherwise. */
    Optional<String> peek(Handle h, Purpose purpose, String token, Instant now) {
        return live(h, purpose, token, now).map(Redeemed::email);
    }

    /** The account and address of a live (unused, unexpired) token, without spending it; empty otherwise. */
    Optional<Redeemed> live(Handle h, Purpose purpose, String token, Instant now) {
        if (token == null || !token.startsWith(purpose.prefix) || token.length() > 100) return Optional.empty();
        return h.createQuery("SELECT user_id, email FROM one_time_tokens WHERE token_hash = :hash AND purpose = :p"
                        + " AND used_at IS NULL AND expires_at > :now")
                .bind("hash", Secrets.sha256(token))
                .bind("p", purpose.name())
                .bind("now", now)
                .map((rs, c) -> new Redeemed(rs.getObject("user_id", UUID.class), rs.getString("email")))
                .findOne();
    }

    /** Ends every outstanding token of a purpose for a user (a password change voids pending resets). */
    void voidAll(Handle h, Purpose purpose, UUID userId, Instant now) {
        h.createUpdate(
                        "UPDATE one_time_tokens SET used_at = :now WHERE purpose = :p AND user_id = :u AND used_at IS NULL")
                .bind("now", now)
                .bind("p", purpose.name())
                .bind("u", userId)
                .execute();
    }

    /** Deletes tokens that expired before {@code now}; used or not, they can no longer be redeemed. */
    int deleteExpired(Handle h, Instant now) {
        return h.createUpdate("DELETE FROM one_time_tokens WHERE expires_at < :now")
                .bind("now", now)
                .execute();
    }
}
