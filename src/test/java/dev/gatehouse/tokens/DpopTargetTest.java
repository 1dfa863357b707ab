package dev.gatehouse.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** RFC 9449 §4.3 check 9: a proof's {@code htu} names the request's URI after RFC 3986 §6.2.2/§6.2.3 normalisation. */
class DpopTargetTest {
    static final String TOKEN = "https://id.example/oauth2/token";

    @Test
    void whenTheHtuDiffersOnlyBySyntax_thenItIsTheSameTarget() {
        for (String htu : new String[] {
            "HTTPS://ID.Example/oauth2/token",
            "https://id.example:443/oauth2/token",
            "https://id.example/oauth2/./token",
            "https://id.example/oauth2/x/../token",
            "https://id.example/oauth2/%74oken",
            "https://id.example/oauth2/token?query=ignored#fragment"
        }) {
            assertThat(DpopProofs.sameTarget(htu, TOKEN)).as(htu).isTrue();
        }
    }

    @Test
    void whenTheHtuNamesAnotherResource_thenItIsNot() {
        for (String htu : new String[] {
            "https://id.example/oauth2/revoke",
            "http://id.example/oauth2/token",
            "https://id.example:8443/oauth2/token",
            "https://id.example/oauth2%2Ftoken",
            "https://other.example/oauth2/token",
            "/oauth2/token",
            "not a uri"
        }) {
            assertThat(DpopProofs.sameTarget(htu, TOKEN)).as(htu).isFalse();
        }
    }

    @Test
    void whenPercentEncodingsDifferInCase_thenTheyAreNormalised() {
        assertThat(DpopProofs.percentNormalised("/a%2fb%7e")).isEqualTo("/a%2Fb~");
    }

    @Test
    void whenTheTypNamesTheMediaTypeInFullOrInAnotherCase_thenItIsAProofType() {
        for (String typ : new String[] {"dpop+jwt", "DPoP+JWT", "application/dpop+jwt", "Application/DPoP+jwt"})
            assertThat(DpopProofs.isDpopType(new com.nimbusds.jose.JOSEObjectType(typ)))
                    .as(typ)
                    .isTrue();
        for (String typ : new String[] {"jwt", "at+jwt", "application/jwt", "dpop", "text/dpop+jwt"})
            assertThat(DpopProofs.isDpopType(new com.nimbusds.jose.JOSEObjectType(typ)))
                    .as(typ)
                    .isFalse();
        assertThat(DpopProofs.isDpopType(null)).isFalse();
    }
}
