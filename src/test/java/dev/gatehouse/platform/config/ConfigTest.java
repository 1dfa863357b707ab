package dev.gatehouse.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigTest {

    @Test
    void whenEnvironmentIsEmpty_thenDefaultsOfDesignSection3Apply() {
        Config c = Config.fromEnv(Map.of());
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.httpHost()).isEqualTo("0.0.0.0");
        assertThat(c.issuer()).isEqualTo("http://localhost:8080");
        assertThat(c.rateLimits()).isTrue();
        assertThat(c.smtp().tls()).isEqualTo(Config.SmtpTls.STARTTLS);
        assertThat(c.dbUrl()).isEmpty();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GATEHOUSE_HTTP_PORT | abc",
                "GATEHOUSE_HTTP_PORT | 70000",
                "GATEHOUSE_HTTP_PORT | -1",
                "GATEHOUSE_SMTP_TLS | bogus",
                "GATEHOUSE_SMTP_PORT | 0",
                "GATEHOUSE_DB_URL | mysql://localhost/gatehouse",
                "GATEHOUSE_DB_URL | jdbc:mysql://localhost/gatehouse",
                "GATEHOUSE_ISSUER | ftp://x",
                "GATEHOUSE_ISSUER | not a url",
                "GATEHOUSE_RATE_LIMITS | maybe",
                "GATEHOUSE_MASTER_KEY | not base64!",
                "GATEHOUSE_MASTER_KEY | c2hvcnQ=",
                "GATEHOUSE_ARGON2_MEMORY_KIB | 12",
                "GATEHOUSE_WEBHOOK_ALLOW_PRIVATE | perhaps",
                "GATEHOUSE_LOG_FORMAT | xml",
                "GATEHOUSE_ADMIN_EMAIL | nobody",
                "GATEHOUSE_REDIS_URL | http://127.0.0.1:6379",
                "GATEHOUSE_REDIS_URL | not a url",
                "GATEHOUSE_REDIS_URL | redis://:Secret-Pw-1@127.0.0.1:port",
            })
    void whenVariableHasBadValue_thenConfigExceptionNamesTheVariable(String variable, String value) {
        assertThatThrownBy(() -> Config.fromEnv(Map.of(variable, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(variable + ": ")
                .hasNoCause();
    }

    @Test
    void whenASwitchIsNeitherOnNorOff_thenTheMessageSaysWhatItTakes() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_RATE_LIMITS", "maybe")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("GATEHOUSE_RATE_LIMITS: must be on or off, got 'maybe'");
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_RATE_LIMITS", "off")).rateLimits())
                .isFalse();
    }

    @Test
    void whenTheRedisUrlIsBad_thenTheMessageDoesNotRepeatItsPassword() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_REDIS_URL", "rediss://:Secret-Pw-1@[::1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("GATEHOUSE_REDIS_URL: ")
                .hasMessageNotContaining("Secret-Pw-1");
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_REDIS_URL", "redis://:pw@10.0.0.5:6380/2"))
                        .redisUrl())
                .contains("redis://:pw@10.0.0.5:6380/2");
        String sentinels = "redis-sentinel://10.0.0.5:26379,10.0.0.6:26379/0#buckets";
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_REDIS_URL", sentinels)).redisUrl())
                .contains(sentinels);
    }

    @Test
    void whenMasterKeyIsBase64Of32Bytes_thenItIsAccepted() {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_MASTER_KEY", key)).masterKey())
                .contains(key);
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_MASTER_KEY", urlSafe)).masterKey())
                .contains(urlSafe);
    }

    @Test
    void whenValuesAreGood_thenTheyAreParsed() {
        Config c = Config.fromEnv(Map.of(
                "GATEHOUSE_HTTP_PORT", "9090",
                "GATEHOUSE_ISSUER", "https://id.example.com/",
                "GATEHOUSE_SMTP_TLS", "TLS",
                "GATEHOUSE_RATE_LIMITS", "off",
                "GATEHOUSE_DB_URL", "jdbc:postgresql://db/gatehouse"));
        assertThat(c.httpPort()).isEqualTo(9090);
        assertThat(c.issuer()).isEqualTo("https://id.example.com");
        assertThat(c.smtp().tls()).isEqualTo(Config.SmtpTls.TLS);
        assertThat(c.rateLimits()).isFalse();
        assertThat(c.dbUrl()).contains("jdbc:postgresql://db/gatehouse");
    }
}
