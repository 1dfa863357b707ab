package dev.gatehouse.platform.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The JWS compact serialization (RFC 7515 §7.1) of a payload that is already JSON, signed by a Nimbus signer. Nimbus
 * does the signature (every algorithm, the ECDSA and EdDSA encodings); this only joins the parts, with a header
 * encoded once and the JDK's Base64, which costs a fraction of building a {@code SignedJWT} from a claims set (its
 * JSON writer and Base64 codec were ~10 µs of a token request in the profiles, docs/benchmarks.md).
 */
public final class CompactJws {
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private CompactJws() {}

    /** A header with its encoding, to be kept and reused for every JWS it heads. */
    public record Header(JWSHeader header, String encoded) {
        public static Header of(JWSHeader header) {
            return new Header(header, header.toBase64URL().toString());
        }
    }

    /** {@code header.payload.signature}, each part base64url without padding. */
    public static String sign(JWSSigner signer, Header header, byte[] payloadJson) throws JOSEException {
        String signingInput = header.encoded() + '.' + BASE64URL.encodeToString(payloadJson);
        String signature = signer.sign(header.header(), signingInput.getBytes(StandardCharsets.US_ASCII))
                .toString();
        return signingInput + '.' + signature;
    }
}
