package dev.gatehouse.bench;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSSignerFactory;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.platform.crypto.CryptoProviders;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Per-core signature rates for the JWS algorithms Gatehouse offers, JDK providers against Amazon Corretto Crypto
 * Provider (ACCP), one thread, a fixed time per case after a warm-up (docs/adr/0003-crypto-provider.md).
 *
 * <p>Two layers: "jca" reuses one initialised {@link Signature} (the provider's raw speed); "nimbus" signs or verifies a
 * whole RFC 9068 access token through Nimbus with the provider pinned in its JCA context, which is what the server does
 * per token (Nimbus takes a fresh Signature and initialises it per call). Nimbus signs Ed25519 with Tink, not through
 * JCA, so EdDSA has a "nimbus (tink)" row whatever the provider. Finally, "server path" installs providers exactly as
 * the server does ({@link CryptoProviders#install}) and reports which provider Nimbus's default factory ends up using.
 *
 * <p>Run: {@code java -cp target/test-classes:target/gatehouse.jar dev.gatehouse.bench.CryptoRate [millis-per-case]}.
 */
public final class CryptoRate {
    private CryptoRate() {}

    private interface Op {
        void run() throws Exception;
    }

    private static long millis = 2_000;
    private static final List<String> rows = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args.length > 0) millis = Long.parseLong(args[0]);
        Provider jdkEc = Security.getProvider("SunEC");
        Provider jdkRsa = Security.getProvider("SunRsaSign");
        String accpName = CryptoProviders.install("auto");
        Provider accp = Security.getProvider("AmazonCorrettoCryptoProvider");
        System.out.println("# " + System.getProperty("java.vm.name") + " " + Runtime.version() + "; ACCP: "
                + (accp == null ? "unavailable" : accpName) + "; one thread, " + millis + " ms per case");

        byte[] input = sampleSigningInput();
        for (Provider p : accp == null ? List.of(jdkEc) : List.of(jdkEc, accp)) {
            jca(p, "ES256", "SHA256withECDSA", keyPair(p, "EC", new ECGenParameterSpec("secp256r1")), input);
        }
        for (Provider p : accp == null ? List.of(jdkRsa) : List.of(jdkRsa, accp)) {
            jca(p, "RS256", "SHA256withRSA", keyPair(p, "RSA", null), input);
        }
        for (Provider p : accp == null ? List.of(jdkEc) : List.of(jdkEc, accp)) {
            jca(p, "EdDSA", "Ed25519", keyPair(p, "Ed25519", null), input);
        }

        // Keys made by the provider under test, so neither side pays for translating the other's key objects.
        for (Provider p : accp == null ? List.of(jdkEc) : List.of(jdkEc, accp)) {
            KeyPair kp = keyPair(p, "EC", new ECGenParameterSpec("secp256r1"));
            var signer = new ECDSASigner((ECPrivateKey) kp.getPrivate());
            signer.getJCAContext().setProvider(p);
            var verifier = new ECDSAVerifier((ECPublicKey) kp.getPublic());
            verifier.getJCAContext().setProvider(p);
            nimbus(p.getName(), JWSAlgorithm.ES256, signer, verifier, "ec");
        }
        for (Provider p : accp == null ? List.of(jdkRsa) : List.of(jdkRsa, accp)) {
            KeyPair kp = keyPair(p, "RSA", null);
            var signer = new RSASSASigner(kp.getPrivate());
            signer.getJCAContext().setProvider(p);
            var verifier = new RSASSAVerifier((RSAPublicKey) kp.getPublic());
            verifier.getJCAContext().setProvider(p);
            nimbus(p.getName(), JWSAlgorithm.RS256, signer, verifier, "rsa");
        }
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec").generate();
        OctetKeyPair ed = new OctetKeyPairGenerator(Curve.Ed25519).keyID("ed").generate();
        nimbus("tink", JWSAlgorithm.EdDSA, new Ed25519Signer(ed), new Ed25519Verifier(ed.toPublicJWK()), "ed");

        // What the server does: providers installed by CryptoProviders, keys and signers from Nimbus's defaults.
        System.out.println("# server path: Security.getProviders()[0] = " + Security.getProviders()[0].getName()
                + "; Signature.getInstance(\"SHA256withECDSA\").getProvider() = "
                + Signature.getInstance("SHA256withECDSA").getProvider().getName()
                + "; ES256 key from ECKeyGenerator, toECPrivateKey() class = "
                + ec.toECPrivateKey().getClass().getName());
        var serverSigner = new DefaultJWSSignerFactory().createJWSSigner(ec, JWSAlgorithm.ES256);
        nimbus("server default", JWSAlgorithm.ES256, serverSigner, new ECDSAVerifier(ec.toPublicJWK()), "ec");

        System.out.println();
        System.out.printf(Locale.ROOT, "%-6s %-8s %-30s %12s%n", "alg", "layer", "provider", "ops/s");
        rows.forEach(System.out::println);
    }

    private static void jca(Provider p, String jws, String alg, KeyPair kp, byte[] input) throws Exception {
        Signature signer = Signature.getInstance(alg, p);
        signer.initSign(kp.getPrivate());
        byte[][] sig = new byte[1][];
        rate(jws, "jca sign", p.getName(), () -> {
            signer.update(input);
            sig[0] = signer.sign();
        });
        Signature verifier = Signature.getInstance(alg, p);
        verifier.initVerify(kp.getPublic());
        rate(jws, "jca verify", p.getName(), () -> {
            verifier.update(input);
            if (!verifier.verify(sig[0])) throw new IllegalStateException("bad signature");
        });
    }

    private static void nimbus(String provider, JWSAlgorithm alg, JWSSigner signer, JWSVerifier verifier, String kid)
            throws Exception {
        var header = new JWSHeader.Builder(alg)
                .type(new JOSEObjectType("at+jwt"))
                .keyID(kid)
                .build();
        var claims = claims();
        SignedJWT[] last = new SignedJWT[1];
        rate(alg.getName(), "nimbus sign", provider, () -> {
            var jwt = new SignedJWT(header, claims);
            jwt.sign(signer);
            last[0] = jwt;
        });
        String token = last[0].serialize();
        rate(alg.getName(), "nimbus verify", provider, () -> {
            if (!SignedJWT.parse(token).verify(verifier)) throw new IllegalStateException("bad signature");
        });
    }

    private static void rate(String alg, String layer, String provider, Op op) throws Exception {
        long warm = System.nanoTime() + Math.min(1_000, millis / 2) * 1_000_000L;
        while (System.nanoTime() < warm) op.run();
        long n = 0;
        long start = System.nanoTime();
        long end = start + millis * 1_000_000L;
        long now;
        do {
            for (int i = 0; i < 16; i++) op.run();
            n += 16;
            now = System.nanoTime();
        } while (now < end);
        double perSecond = n / ((now - start) / 1e9);
        String row = String.format(Locale.ROOT, "%-6s %-14s %-30s %10.0f", alg, layer, provider, perSecond);
        rows.add(row);
        System.out.println("RESULT crypto " + row.replaceAll("\\s+", " "));
    }

    private static KeyPair keyPair(Provider p, String alg, ECGenParameterSpec spec) throws Exception {
        var g = KeyPairGenerator.getInstance(alg, p);
        if (spec != null) g.initialize(spec);
        else if (alg.equals("RSA")) g.initialize(2048);
        return g.generateKeyPair();
    }

    private static JWTClaimsSet claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer("http://localhost:8080")
                .subject(UUID.randomUUID().toString())
                .audience("http://localhost:8080")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(900)))
                .jwtID(UUID.randomUUID().toString())
                .claim("client_id", "gatehouse")
                .claim("sid", UUID.randomUUID().toString())
                .build();
    }

    private static byte[] sampleSigningInput() throws Exception {
        var header = new JWSHeader.Builder(JWSAlgorithm.ES256)
                .type(new JOSEObjectType("at+jwt"))
                .keyID("k")
                .build();
        String s = header.toBase64URL() + "." + Base64URL.encode(claims().toString());
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
