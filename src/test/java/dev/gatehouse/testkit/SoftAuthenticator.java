package dev.gatehouse.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A software FIDO2 authenticator plus the bit of browser around it, for tests: it answers
 * {@code navigator.credentials.create/get} options (the W3C JSON, with or without the {@code publicKey} wrapper) with
 * what {@code PublicKeyCredential.toJSON()} would give, signed with real ES256 keys and CBOR-encoded per WebAuthn
 * Level 3. Attestation is "none" or "packed" self-attestation. Every credential it makes is discoverable (it keeps the
 * user handle) unless {@link #nonDiscoverable()} was called; tests can bend the browser's side (origin, RP ID) and the
 * authenticator's (signature counter, flags) to make the relying party refuse.
 */
public final class SoftAuthenticator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_DECODER = Base64.getUrlDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();
    public static final byte[] AAGUID = hex("67617465686f7573652d746573740001");

    /** One key the authenticator holds. The counter is public so a test can wind it back (a clone). */
    public static final class Credential {
        public final byte[] id;
        public final KeyPair keys;
        public final String rpId;
        public final byte[] userHandle;
        public long counter;

        Credential(byte[] id, KeyPair keys, String rpId, byte[] userHandle) {
            this.id = id;
            this.keys = keys;
            this.rpId = rpId;
            this.userHandle = userHandle;
        }

        public String idBase64Url() {
            return B64URL.encodeToString(id);
        }

        /** A second authenticator with the same key and counter: what an attacker who copied the key would hold. */
        public Credential cloned() {
            var c = new Credential(id, keys, rpId, userHandle);
            c.counter = counter;
            return c;
        }
    }

    private final String origin;
    private final List<Credential> credentials = new ArrayList<>();
    private String attestation = "none";
    private boolean discoverable = true;
    private boolean userVerified = true;
    private boolean backupEligible = false;
    private boolean counterSupported = true;
    private String originOverride;
    private String rpIdOverride;
    private String typeOverride;

    /** An authenticator in a browser showing a page of {@code origin} (e.g. the issuer). */
    public SoftAuthenticator(String origin) {
        this.origin = origin;
    }

    public SoftAuthenticator packedAttestation() {
        attestation = "packed";
        return this;
    }

    public SoftAuthenticator nonDiscoverable() {
        discoverable = false;
        return this;
    }

    /** Answers without verifying the user (user presence only, UV flag clear). */
    public SoftAuthenticator withoutUserVerification() {
        userVerified = false;
        return this;
    }

    /** Marks its credentials as backup eligible and backed up: a synced passkey. */
    public SoftAuthenticator synced() {
        backupEligible = true;
        return this;
    }

    /** Signs with counter 0 always, like many platform authenticators. */
    public SoftAuthenticator withoutCounter() {
        counterSupported = false;
        return this;
    }

    /** The page claims another origin in clientDataJSON (a phishing site relaying the ceremony). */
    public SoftAuthenticator origin(String other) {
        originOverride = other;
        return this;
    }

    /** The authenticator scopes the credential to another RP ID than the options name. */
    public SoftAuthenticator rpId(String other) {
        rpIdOverride = other;
        return this;
    }

    /** The clientDataJSON type (webauthn.create / webauthn.get) is replaced. */
    public SoftAuthenticator clientDataType(String other) {
        typeOverride = other;
        return this;
    }

    /** Honest again: the real origin, RP ID and type. */
    public SoftAuthenticator honest() {
        originOverride = null;
        rpIdOverride = null;
        typeOverride = null;
        return this;
    }

    public List<Credential> credentials() {
        return List.copyOf(credentials);
    }

    public Credential last() {
        return credentials.get(credentials.size() - 1);
    }

    /** Adds a credential this authenticator did not create (a clone, say). */
    public void add(Credential c) {
        credentials.add(c);
    }

    // ---- navigator.credentials.create()

    /** Creates a credential for the options and returns the registration's {@code toJSON()}. */
    public ObjectNode create(JsonNode options) {
        JsonNode o = options.has("publicKey") ? options.get("publicKey") : options;
        String rpId =
                rpIdOverride != null ? rpIdOverride : o.path("rp").path("id").asText();
        byte[] userHandle = B64URL_DECODER.decode(o.path("user").path("id").asText());
        boolean supportsEs256 = false;
        for (JsonNode p : o.path("pubKeyCredParams"))
            supportsEs256 |= p.path("alg").asInt() == -7;
        if (!supportsEs256) throw new IllegalArgumentException("the options do not offer ES256");
        for (JsonNode ex : o.path("excludeCredentials")) {
            for (Credential c : credentials) {
                if (c.idBase64Url().equals(ex.path("id").asText()))
                    throw new IllegalStateException("InvalidStateError: already registered here");
            }
        }
        byte[] credentialId = new byte[32];
        RANDOM.nextBytes(credentialId);
        var cred = new Credential(credentialId, newKeyPair(), rpId, discoverable ? userHandle : null);
        credentials.add(cred);

        byte[] clientData = clientData("webauthn.create", o.path("challenge").asText());
        byte[] authData = authenticatorData(rpId, cred, true);
        var attStmt = new LinkedHashMap<Object, Object>();
        if (attestation.equals("packed")) {
            attStmt.put("alg", -7);
            attStmt.put("sig", sign(cred, concat(authData, sha256(clientData))));
        }
        var attObj = new LinkedHashMap<Object, Object>();
        attObj.put("fmt", attestation);
        attObj.put("attStmt", attStmt);
        attObj.put("authData", authData);

        ObjectNode out = JSON.createObjectNode();
        out.put("id", cred.idBase64Url());
        out.put("rawId", cred.idBase64Url());
        out.put("type", "public-key");
        out.put("authenticatorAttachment", "cross-platform");
        ObjectNode response = out.putObject("response");
        response.put("clientDataJSON", B64URL.encodeToString(clientData));
        response.put("attestationObject", B64URL.encodeToString(Cbor.encode(attObj)));
        response.putArray("transports").add("usb").add("nfc");
        response.put("authenticatorData", B64URL.encodeToString(authData));
        response.put("publicKeyAlgorithm", -7);
        response.put("publicKey", B64URL.encodeToString(cred.keys.getPublic().getEncoded()));
        out.putObject("clientExtensionResults").putObject("credProps").put("rk", discoverable);
        return out;
    }

    // ---- navigator.credentials.get()

    /** Signs an assertion with a credential the options allow (or any discoverable one for this RP ID). */
    public ObjectNode get(JsonNode options) {
        JsonNode o = options.has("publicKey") ? options.get("publicKey") : options;
        String rpId = o.path("rpId").asText();
        Credential chosen = null;
        List<String> allowed = new ArrayList<>();
        for (JsonNode a : o.path("allowCredentials")) allowed.add(a.path("id").asText());
        for (Credential c : credentials) {
            boolean ok = allowed.isEmpty()
                    ? c.userHandle != null && c.rpId.equals(rpId)
                    : allowed.contains(c.idBase64Url()) && c.rpId.equals(rpId);
            if (ok) chosen = c;
        }
        if (chosen == null && rpIdOverride != null && !credentials.isEmpty()) chosen = last();
        if (chosen == null) throw new IllegalStateException("NotAllowedError: no credential for these options");
        return get(options, chosen);
    }

    /** Signs an assertion for the options with this very credential, whether or not the options allow it. */
    public ObjectNode get(JsonNode options, Credential cred) {
        JsonNode o = options.has("publicKey") ? options.get("publicKey") : options;
        String rpId = rpIdOverride != null ? rpIdOverride : o.path("rpId").asText();
        if (counterSupported) cred.counter++;
        byte[] clientData = clientData("webauthn.get", o.path("challenge").asText());
        byte[] authData = authenticatorData(rpId, cred, false);
        byte[] signature = sign(cred, concat(authData, sha256(clientData)));

        ObjectNode out = JSON.createObjectNode();
        out.put("id", cred.idBase64Url());
        out.put("rawId", cred.idBase64Url());
        out.put("type", "public-key");
        out.put("authenticatorAttachment", "cross-platform");
        ObjectNode response = out.putObject("response");
        response.put("clientDataJSON", B64URL.encodeToString(clientData));
        response.put("authenticatorData", B64URL.encodeToString(authData));
        response.put("signature", B64URL.encodeToString(signature));
        if (cred.userHandle != null) response.put("userHandle", B64URL.encodeToString(cred.userHandle));
        out.putObject("clientExtensionResults");
        return out;
    }

    // ---- the bytes

    private byte[] clientData(String type, String challenge) {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", typeOverride != null ? typeOverride : type);
        m.put("challenge", challenge);
        m.put("origin", originOverride != null ? originOverride : origin);
        m.put("crossOrigin", false);
        try {
            return JSON.writeValueAsBytes(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] authenticatorData(String rpId, Credential cred, boolean attested) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(sha256(rpId.getBytes(StandardCharsets.UTF_8)));
        int flags = 0x01; // UP
        if (userVerified) flags |= 0x04;
        if (backupEligible) flags |= 0x08 | 0x10; // BE, BS
        if (attested) flags |= 0x40; // AT
        out.write(flags);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) cred.counter).array());
        if (attested) {
            out.writeBytes(AAGUID);
            out.write((cred.id.length >> 8) & 0xff);
            out.write(cred.id.length & 0xff);
            out.writeBytes(cred.id);
            out.writeBytes(Cbor.encode(coseKey((ECPublicKey) cred.keys.getPublic())));
        }
        return out.toByteArray();
    }

    /** The COSE_Key of an EC2 P-256 key for ES256 (RFC 9053), in CTAP2 canonical key order. */
    private static Map<Object, Object> coseKey(ECPublicKey key) {
        var m = new LinkedHashMap<Object, Object>();
        m.put(1, 2); // kty: EC2
        m.put(3, -7); // alg: ES256
        m.put(-1, 1); // crv: P-256
        m.put(-2, unsigned32(key.getW().getAffineX()));
        m.put(-3, unsigned32(key.getW().getAffineY()));
        return m;
    }

    private static byte[] unsigned32(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, out, 32 - n, n);
        return out;
    }

    private static KeyPair newKeyPair() {
        try {
            var g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sign(Credential c, byte[] data) {
        try {
            var s = Signature.getInstance("SHA256withECDSA"); // DER-encoded, as WebAuthn wants for ES256
            s.initSign(c.keys.getPrivate());
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] hex(String s) {
        return java.util.HexFormat.of().parseHex(s);
    }

    /** Just enough CBOR (RFC 8949) for attestation objects and COSE keys: ints, byte and text strings, maps. */
    static final class Cbor {
        private Cbor() {}

        static byte[] encode(Object value) {
            var out = new ByteArrayOutputStream();
            write(out, value);
            return out.toByteArray();
        }

        private static void write(ByteArrayOutputStream out, Object v) {
            if (v instanceof Integer i) {
                if (i >= 0) head(out, 0, i);
                else head(out, 1, -1L - i);
            } else if (v instanceof byte[] b) {
                head(out, 2, b.length);
                out.writeBytes(b);
            } else if (v instanceof String s) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                head(out, 3, b.length);
                out.writeBytes(b);
            } else if (v instanceof Map<?, ?> m) {
                head(out, 5, m.size());
                m.forEach((k, val) -> {
                    write(out, k);
                    write(out, val);
                });
            } else {
                throw new IllegalArgumentException("no CBOR for " + v.getClass());
            }
        }

        private static void head(ByteArrayOutputStream out, int major, long n) {
            int mt = major << 5;
            if (n < 24) out.write(mt | (int) n);
            else if (n < 0x100) {
                out.write(mt | 24);
                out.write((int) n);
            } else if (n < 0x10000) {
                out.write(mt | 25);
                out.write((int) (n >> 8));
                out.write((int) n & 0xff);
            } else {
                out.write(mt | 26);
                out.writeBytes(ByteBuffer.allocate(4).putInt((int) n).array());
            }
        }
    }
}
