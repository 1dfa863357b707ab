package dev.gatehouse.platform.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Randomness and hashing for opaque secrets (refresh tokens, reset and magic-link tokens, API keys). Opaque secrets
 * carry 256 bits of entropy, so a fast SHA-256 is the right hash for them; passwords use {@link PasswordHasher}.
 */
public final class Secrets {
    private final SecureRandom random;

    public Secrets(SecureRandom random) {
        this.random = random;
    }

    public static Secrets system() {
        return new Secrets(new SecureRandom());
    }

    public byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** A URL-safe token with 256 bits of entropy, with a readable prefix such as {@code rt_}. */
    public String token(String prefix) {
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32));
    }

    /** A short numeric code (e.g. for email MFA), uniformly distributed. */
    public String digits(int n) {
        var sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append(random.nextInt(10));
        return sb.toString();
    }

    public static String sha256(String secret) {
        return HexFormat.of().formatHex(digest(secret.getBytes(StandardCharsets.UTF_8)));
    }

    public static byte[] digest(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
