package dev.gatehouse.platform.crypto;

import dev.gatehouse.platform.config.ConfigException;
import dev.gatehouse.platform.config.DataDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** AES-256-GCM under the master key, for private keys and secrets at rest. The context is bound as AAD. */
public final class MasterKey {
    private static final Logger log = LoggerFactory.getLogger(MasterKey.class);
    private static final String VERSION = "v1.";
    private final SecretKey key;
    private final Secrets secrets;

    MasterKey(byte[] raw, Secrets secrets) {
        this.key = new SecretKeySpec(raw, "AES");
        this.secrets = secrets;
    }

    /** From GATEHOUSE_MASTER_KEY (base64 of 32 bytes), else from {@code master.key} in the data dir, made once. */
    public static MasterKey load(Optional<String> configured, Path dataDir, Secrets secrets) {
        if (configured.isPresent()) {
            byte[] raw;
            try {
                raw = Base64.getDecoder()
                        .decode(configured.get().replace('-', '+').replace('_', '/'));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("GATEHOUSE_MASTER_KEY", "must be base64 (32 random bytes)");
            }
            if (raw.length != 32) throw new ConfigException("GATEHOUSE_MASTER_KEY", "must decode to exactly 32 bytes");
            return new MasterKey(raw, secrets);
        }
        Path file = dataDir.resolve("master.key");
        try {
            if (Files.exists(file)) {
                DataDirectory.warnIfOpen(file, "The master key file", "chmod 600");
                byte[] raw = Base64.getDecoder().decode(Files.readString(file).trim());
                if (raw.length != 32) throw new ConfigException("GATEHOUSE_MASTER_KEY", file + " is not a 32-byte key");
                return new MasterKey(raw, secrets);
            }
            DataDirectory.create(dataDir);
            byte[] raw = secrets.bytes(32);
            // rw------- from its creation, so it is never readable by others for a moment; CREATE_NEW never replaces
            // a key another process has just written.
            var options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try (var out = DataDirectory.posix(file.toAbsolutePath())
                    ? Files.newByteChannel(
                            file,
                            options,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                    : Files.newByteChannel(file, options)) {
                out.write(ByteBuffer.wrap(
                        (Base64.getEncoder().encodeToString(raw) + "\n").getBytes(StandardCharsets.US_ASCII)));
            }
            log.warn("GATEHOUSE_MASTER_KEY is not set: generated one into {}. Set it explicitly in production.", file);
            return new MasterKey(raw, secrets);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A 32-byte key for one {@code purpose}, derived from the master key (HMAC-SHA256): the same on every node that
     * shares the master key, unrelated to it for anyone who lacks it.
     */
    public byte[] derive(String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return mac.doFinal(("gatehouse derived key: " + purpose).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("key derivation failed", e);
        }
    }

    public String encrypt(byte[] plaintext, String context) {
        try {
            byte[] nonce = secrets.bytes(12);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plaintext);
            byte[] out = ByteBuffer.allocate(nonce.length + ct.length)
                    .put(nonce)
                    .put(ct)
                    .array();
            return VERSION + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed", e);
        }
    }

    public byte[] decrypt(String sealed, String context) {
        if (!sealed.startsWith(VERSION)) throw new IllegalStateException("unknown ciphertext version");
        try {
            byte[] in = Base64.getUrlDecoder().decode(sealed.substring(VERSION.length()));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, 12));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(in, 12, in.length - 12);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("decryption failed: wrong master key or tampered data", e);
        }
    }
}
