package dev.gatehouse.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The per-request helpers that replaced String.format and UUID.randomUUID on the hot path. */
class HttpServerHelpersTest {
    @Test
    void whenFormattingDurations_thenTenthsMatchTheFormatterItReplaced() {
        double[] samples = {0, 0.04, 0.05, 0.06, 0.95, 1, 1.25, 9.99, 12.345, 123.449, 1234.56, 99999.94};
        for (double ms : samples) {
            assertThat(HttpServer.tenths(ms)).as("%s", ms).isEqualTo(String.format(Locale.ROOT, "%.1f", ms));
        }
        var random = new java.util.Random(42);
        for (int i = 0; i < 10_000; i++) {
            double ms = random.nextDouble() * 5_000;
            assertThat(HttpServer.tenths(ms)).as("%s", ms).isEqualTo(String.format(Locale.ROOT, "%.1f", ms));
        }
    }

    @Test
    void whenGeneratingRequestIds_thenTheyAreDistinctVersion4UuidsThatPassTheirOwnCheck() {
        var seen = new java.util.HashSet<String>();
        for (int i = 0; i < 10_000; i++) {
            String id = HttpServer.newRequestId();
            UUID u = UUID.fromString(id);
            assertThat(u.version()).isEqualTo(4);
            assertThat(u.variant()).isEqualTo(2);
            assertThat(HttpServer.saneRequestId(id)).isTrue();
            assertThat(seen.add(id)).isTrue();
        }
    }

    @Test
    void whenCheckingPresentedRequestIds_thenOnlyShortTokenCharactersPass() {
        assertThat(HttpServer.saneRequestId("req-42.a:B_c")).isTrue();
        assertThat(HttpServer.saneRequestId("x".repeat(128))).isTrue();
        assertThat(HttpServer.saneRequestId("x".repeat(129))).isFalse();
        assertThat(HttpServer.saneRequestId("")).isFalse();
        for (String bad : new String[] {"a b", "a\nb", "a/b", "ä", "a\"b", "<script>"}) {
            assertThat(HttpServer.saneRequestId(bad)).as(bad).isFalse();
        }
    }

    @Test
    void whenASqlErrorIsCausedByTheSocket_thenTheDatabaseCountsAsUnreachable_butAPlainIoErrorDoesNot() {
        var cut = new java.sql.SQLException("IO Exception", "90028", new java.io.EOFException());
        assertThat(ErrorAnswers.databaseUnreachable(new RuntimeException(cut))).isTrue();
        assertThat(ErrorAnswers.databaseUnreachable(new java.sql.SQLException("08006")))
                .isFalse();
        assertThat(ErrorAnswers.databaseUnreachable(new java.sql.SQLException("x", "08006")))
                .isTrue();
        assertThat(ErrorAnswers.databaseUnreachable(new java.io.UncheckedIOException(new java.io.EOFException())))
                .isFalse();
        assertThat(ErrorAnswers.databaseUnreachable(new java.sql.SQLException("duplicate key", "23505")))
                .isFalse();
    }

    @Test
    void whenH2sServerReportsItsOwnSocketError_thenTheDatabaseCountsAsUnreachable() {
        // The H2 server's IO error (90028) or broken connection (90067) reaches the client without a cause: the
        // server's stack trace travels as text.
        var fromServer = new java.sql.SQLException("IO Exception: \"java.io.EOFException\"", "90028", 90028);
        assertThat(ErrorAnswers.databaseUnreachable(new RuntimeException(fromServer)))
                .isTrue();
        assertThat(ErrorAnswers.databaseUnreachable(new java.sql.SQLException("Connection is broken", "90067", 90067)))
                .isTrue();
        assertThat(ErrorAnswers.databaseUnreachable(new java.sql.SQLException("Syntax error", "42000", 42000)))
                .isFalse();
    }
}
