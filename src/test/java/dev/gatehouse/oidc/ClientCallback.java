package dev.gatehouse.oidc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A client's web server for the real-browser tests, on a free loopback port: its redirect URI {@code /cb} records the
 * URI of each request it gets and answers a small HTML page, so a test can wait for the browser to come back to the
 * client and read the authorization response from the URI it came back with.
 *
 * <p>Registered as a static {@code @RegisterExtension} field, it forgets before each test what it recorded and not
 * handed out, and stops after the test class.
 */
final class ClientCallback implements BeforeEachCallback, AfterAllCallback {
    /** The page {@code /cb} answers unless the test gives its own. */
    static final String BACK_AT_THE_CLIENT = "<!doctype html><title>client</title><p>Back at the client.</p>";

    private final HttpServer server;
    private final Supplier<String> page;
    private final BlockingQueue<URI> received = new ArrayBlockingQueue<>(16);

    private ClientCallback(HttpServer server, Supplier<String> page) {
        this.server = server;
        this.page = page;
    }

    /** Starts the server; {@code /cb} answers {@link #BACK_AT_THE_CLIENT}. */
    static ClientCallback start() {
        return start(() -> BACK_AT_THE_CLIENT);
    }

    /** Starts the server; {@code /cb} answers the HTML {@code page} gives at each request. */
    static ClientCallback start(Supplier<String> page) {
        HttpServer server;
        try {
            // 127.0.0.1 itself, as uri() names it (not whichever loopback the JVM prefers), and no name lookup.
            var loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
            server = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var callback = new ClientCallback(server, page);
        server.createContext("/cb", callback::recordAndAnswer);
        server.start();
        return callback;
    }

    /** Records the requests to {@code path} too (a post-logout redirect URI), answering as {@code /cb}; its URI. */
    URI alsoRecord(String path) {
        server.createContext(path, this::recordAndAnswer);
        return uri(path);
    }

    /** Answers the requests to {@code path} with the HTML {@code html} gives at each, recording nothing; its URI. */
    URI serve(String path, Supplier<String> html) {
        server.createContext(path, exchange -> answer(exchange, html.get()));
        return uri(path);
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** {@code path} on this server, as the browser reaches it: {@code http://127.0.0.1:<port><path>}. */
    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** The client's redirect URI, {@code /cb}. */
    URI redirectUri() {
        return uri("/cb");
    }

    /** The URI of the next recorded request, waiting up to {@code wait} for one; null if none comes. */
    URI next(Duration wait) throws InterruptedException {
        return received.poll(wait.toSeconds(), TimeUnit.SECONDS);
    }

    /** Nothing recorded is waiting to be taken by {@link #next}. */
    boolean isEmpty() {
        return received.isEmpty();
    }

    /** Forgets what was recorded and not taken: a test starts with nothing waiting. */
    void clear() {
        received.clear();
    }

    void close() {
        server.stop(0);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private void recordAndAnswer(HttpExchange exchange) throws IOException {
        received.offer(uri(exchange.getRequestURI().toString()));
        answer(exchange, page.get());
    }

    private static void answer(HttpExchange exchange, String html) throws IOException {
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (var out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
