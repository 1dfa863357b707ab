package dev.gatehouse.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.config.ConfigException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Who the client is behind trusted proxies (ADR 0018): only what trusted hops appended is believed. */
class ClientAddressTest {
    static final ClientAddress BEHIND_BALANCER = ClientAddress.trusting(List.of("10.0.0.0/8", "2001:db8:ffff::/48"));

    static InetAddress ip(String literal) {
        return ClientAddress.literal(literal);
    }

    static String client(ClientAddress a, String peer, String... forwardedFor) {
        return a.of(ip(peer), List.of(forwardedFor)).getHostAddress();
    }

    @Test
    void whenNoProxyIsTrusted_thenTheHeaderIsIgnored() {
        var none = ClientAddress.trusting(List.of());
        assertThat(none.trustsAny()).isFalse();
        assertThat(client(none, "10.0.0.1", "203.0.113.7")).isEqualTo("10.0.0.1");
    }

    @Test
    void whenThePeerIsNotATrustedProxy_thenItIsTheClientWhateverItSays() {
        assertThat(client(BEHIND_BALANCER, "198.51.100.9", "203.0.113.7")).isEqualTo("198.51.100.9");
    }

    @Test
    void whenATrustedProxyForwards_thenTheRightMostUntrustedHopIsTheClient() {
        assertThat(client(BEHIND_BALANCER, "10.0.0.1", "203.0.113.7")).isEqualTo("203.0.113.7");
        // The left entry is what the client itself sent: never believed.
        assertThat(client(BEHIND_BALANCER, "10.0.0.1", "198.51.100.1, 203.0.113.7, 10.0.0.2"))
                .isEqualTo("203.0.113.7");
        // Several header lines are one list, in order.
        assertThat(client(BEHIND_BALANCER, "10.0.0.1", "198.51.100.1", "203.0.113.7"))
                .isEqualTo("203.0.113.7");
        // Ports and brackets, IPv6.
        assertThat(client(BEHIND_BALANCER, "10.0.0.1", "203.0.113.7:5678")).isEqualTo("203.0.113.7");
        assertThat(client(BEHIND_BALANCER, "2001:db8:ffff::1", "[2001:db8::1]:443"))
                .isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(client(BEHIND_BALANCER, "10.0.0.1", "2001:db8::2")).isEqualTo("2001:db8:0:0:0:0:0:2");
    }

    @Test
    void whenAnIpv6AddressIsRateLimited_thenItsSlash64IsTheKey_andAnIpv4AddressIsItself() {
        assertThat(ClientAddress.rateLimitKey("[2001:db8:1:1:0:0:0:1]")).isEqualTo("2001:db8:1:1:0:0:0:0/64");
        assertThat(ClientAddress.rateLimitKey("2001:db8:1:1:ffff:ffff:ffff:ffff"))
                .isEqualTo("2001:db8:1:1:0:0:0:0/64");
        assertThat(ClientAddress.rateLimitKey("[2001:db8:1:2::1]")).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        // IPv4, and IPv4 reached over an IPv4-mapped IPv6 address: the same one address.
        assertThat(ClientAddress.rateLimitKey("203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(ClientAddress.rateLimitKey("::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(ClientAddress.rateLimitKey("[::ffff:cb00:7107]")).isEqualTo("203.0.113.7");
    }

    @Test
    void whenEveryHopIsTrusted_thenTheLeftMostIsTheClient() {
        assertThat(client(BEHIND_BALANCER, "10.0.0.1", "10.1.1.1, 10.2.2.2")).isEqualTo("10.1.1.1");
    }

    @Test
    void whenAHopIsMalformed_thenTheLastTrustedHopBeforeItIsTheClient() {
        assertThat(client(BEHIND_BALANCER, "10.0.0.1", "garbage")).isEqualTo("10.0.0.1");
        assertThat(client(BEHIND_BALANCER, "10.0.0.1", "203.0.113.7, unknown")).isEqualTo("10.0.0.1");
        assertThat(client(BEHIND_BALANCER, "10.0.0.1", "203.0.113.7, 10.0.0.9, "))
                .isEqualTo("10.0.0.1");
        assertThat(client(BEHIND_BALANCER, "10.0.0.1", "garbage, 10.0.0.9")).isEqualTo("10.0.0.9");
        assertThat(client(BEHIND_BALANCER, "10.0.0.1")).isEqualTo("10.0.0.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "unknown", "", "1.2.3", "999.1.1.1.1", "[::1", "fe80::1%eth0"})
    void whenAHopIsNotAnIpLiteral_thenItIsNotAnAddress(String hop) {
        assertThat(ClientAddress.literal(hop)).isNull();
    }

    @Test
    void whenTheTrustedProxiesAreConfigured_thenOnlyAddressesAndPrefixesAreAccepted() {
        var ok = Config.fromEnv(Map.of("GATEHOUSE_TRUSTED_PROXIES", " 10.0.0.0/8, 192.168.1.5 ,::1,2001:db8::/32 "));
        assertThat(ok.trustedProxies()).containsExactly("10.0.0.0/8", "192.168.1.5", "::1", "2001:db8::/32");
        assertThat(Config.fromEnv(Map.of()).trustedProxies()).isEmpty();
        for (String bad : List.of("proxy.example", "10.0.0.0/99", "10.0.0.0/8;rm", "*")) {
            assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_TRUSTED_PROXIES", bad)))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("GATEHOUSE_TRUSTED_PROXIES");
        }
    }
}
