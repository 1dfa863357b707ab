package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sender's own rules, against a real receiver on loopback: internal addresses only when allowed. */
class BackChannelLogoutTest {
    final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    HttpServer receiver;
    URI loopback;

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/bc", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        loopback = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/bc");
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
    }

    @Test
    void whenInternalAddressesAreNotAllowed_thenALoopbackUriIsNeverCalled() throws Exception {
        try (var sender = new BackChannelLogout(false)) {
            sender.send("gc_x", loopback, "a.b.c");
            assertThat(received.poll(1500, TimeUnit.MILLISECONDS)).isNull();
        }
        try (var sender = new BackChannelLogout(true)) {
            sender.send("gc_x", loopback, "a.b.c");
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("logout_token=a.b.c");
        }
    }

    @Test
    void whenTheClientsHostDoesNotResolve_thenTheDeliveryIsRetriedNotDropped() throws Exception {
        try (var logs = new dev.gatehouse.testkit.LogCapture(BackChannelLogout.class.getName());
                var sender = new BackChannelLogout(false)) {
            sender.send("gc_dns", URI.create("https://no-such-host.invalid/bc"), "a.b.c");
            var retried = logs.await(e -> e.getFormattedMessage()
                    .equals("Back-channel logout to client gc_dns failed (the host does not resolve); retrying"));
            assertThat(retried).hasSize(1);
            assertThat(logs.events(e -> e.getFormattedMessage().contains("not sent")))
                    .isEmpty();
        }
    }

    @Test
    void whenAHostIsClassified_thenLoopbackPrivateAndLinkLocalAreInternalAndANameThatDoesNotResolveIsUnresolved() {
        for (String host : List.of(
                "127.0.0.1",
                "localhost",
                "[::1]",
                "0.0.0.0",
                "10.1.2.3",
                "172.16.0.1",
                "192.168.1.1",
                "169.254.169.254", // cloud metadata
                "100.64.0.1",
                "[fd00::1]",
                "[fe80::1]",
                "224.0.0.1")) {
            assertThat(BackChannelLogout.reach(host)).as(host).isEqualTo(BackChannelLogout.Reach.INTERNAL);
        }
        for (String host : List.of("93.184.215.14", "[2606:2800:21f:cb07:6820:80da:af6b:8b2c]", "8.8.8.8")) {
            assertThat(BackChannelLogout.reach(host)).as(host).isEqualTo(BackChannelLogout.Reach.PUBLIC);
        }
        // RFC 6761 §6.4: .invalid never resolves. Such a delivery is retried later, as a network error is.
        assertThat(BackChannelLogout.reach("no-such-host.invalid")).isEqualTo(BackChannelLogout.Reach.UNRESOLVED);
    }
}
