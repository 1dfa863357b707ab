package dev.gatehouse.testkit;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.gatehouse.App;
import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.crypto.Secrets;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real server, started in-process on a free port with the production {@link App} wiring, a fresh database of the
 * engine under test, cheap Argon2 parameters, a movable clock, and a GreenMail SMTP server catching its mail.
 */
public final class TestServer implements AutoCloseable {
    public static final String ADMIN_EMAIL = "admin@example.com";
    public static final String ADMIN_PASSWORD = "Adm1n-Correct-Horse-Battery";

    public final App app;
    public final HttpJson http;
    public final String base;
    public final MutableClock clock;
    public final GreenMail mail;
    public final TestDatabase database;
    private final Path dataDir;
    private final boolean ownsDatabase;
    private final Map<String, String> overrides;

    private TestServer(Map<String, String> overrides) {
        this(overrides, "127.0.0.1", null);
    }

    /**
     * {@code publicHost} names the server in its issuer and base URL; it still listens on 127.0.0.1. With
     * {@code cluster}: another node of it, on its database and data directory (master key).
     */
    private TestServer(Map<String, String> overrides, String publicHost, TestServer cluster) {
        this.ownsDatabase = cluster == null;
        this.overrides = overrides;
        this.database = cluster == null ? TestDatabase.create() : cluster.database;
        // Nodes of one cluster start at the same time, as synchronised clocks would.
        this.clock = cluster == null ? MutableClock.startingNow() : new MutableClock(cluster.clock.instant());
        try {
            this.dataDir = cluster == null ? Files.createTempDirectory("gatehouse-test") : cluster.dataDir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // A port found free can be taken (by any socket's ephemeral port) before the server binds it: try others.
        App started;
        GreenMail startedMail;
        String startedBase;
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            int smtpPort = freePort();
            var greenMail = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
            String url = "http://" + publicHost + ":" + port;
            try {
                greenMail.start();
                started = App.start(config(overrides, cluster, port, smtpPort, url), clock, Secrets.system());
                startedMail = greenMail;
                startedBase = url;
                break;
            } catch (RuntimeException e) {
                greenMail.stop();
                if (attempt == 5 || !portTaken(e)) throw e;
            }
        }
        this.app = started;
        this.mail = startedMail;
        this.base = startedBase;
        this.http = new HttpJson(base);
    }

    private Config config(Map<String, String> overrides, TestServer cluster, int port, int smtpPort, String url) {
        var env = new HashMap<String, String>();
        env.put("GATEHOUSE_HTTP_HOST", "127.0.0.1");
        env.put("GATEHOUSE_HTTP_PORT", Integer.toString(port));
        env.put("GATEHOUSE_ISSUER", cluster == null ? url : cluster.base); // one issuer for the whole cluster
        env.put("GATEHOUSE_DATA_DIR", dataDir.toString());
        env.put("GATEHOUSE_DB_URL", database.url());
        env.put("GATEHOUSE_DB_USER", database.user());
        env.put("GATEHOUSE_ADMIN_EMAIL", ADMIN_EMAIL);
        env.put("GATEHOUSE_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("GATEHOUSE_ARGON2_MEMORY_KIB", "1024");
        env.put("GATEHOUSE_ARGON2_ITERATIONS", "1");
        env.put("GATEHOUSE_RATE_LIMITS", "off");
        env.put("GATEHOUSE_WEBHOOK_ALLOW_PRIVATE", "true"); // the tests' back-channel receivers listen on loopback
        env.put("GATEHOUSE_SMTP_HOST", "127.0.0.1");
        env.put("GATEHOUSE_SMTP_PORT", Integer.toString(smtpPort));
        env.put("GATEHOUSE_SMTP_TLS", "none");
        env.put("GATEHOUSE_SMTP_FROM", "Gatehouse <no-reply@example.com>");
        env.putAll(overrides);
        env.values().removeIf(v -> v == null);
        return Config.fromEnv(env);
    }

    /** {@code e} comes from a port another socket holds. */
    public static boolean portTaken(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException) return true;
        }
        return false;
    }

    public static TestServer start() {
        return new TestServer(Map.of());
    }

    /**
     * Starts with the issuer {@code http://localhost:<port>}: what a browser test of WebAuthn needs, since a relying
     * party ID must be a domain (not an IP address) and http://localhost is a secure context.
     */
    public static TestServer startOnLocalhost() {
        return new TestServer(Map.of(), "localhost", null);
    }

    /** Starts with extra or replaced environment variables (a null value removes a default). */
    public static TestServer start(Map<String, String> overrides) {
        return new TestServer(overrides);
    }

    /**
     * A second node of this server's cluster: the same database, master key and configuration, its own port, mail
     * server and clock (which does not move unless the test moves it, so only what the nodes tell each other reaches
     * its caches).
     */
    public TestServer otherNode() {
        return new TestServer(overrides, "127.0.0.1", this);
    }

    /** Registers an account, verifies nothing, and returns its email. */
    public String register(String email, String password) {
        var r = http.post("/v1/auth/register", HttpJson.map("email", email, "password", password));
        if (r.status() != 202) throw new AssertionError("register failed: " + r.status() + " " + r.body());
        return email;
    }

    public HttpJson.Response login(String email, String password) {
        return http.post("/v1/auth/login", HttpJson.map("email", email, "password", password));
    }

    /** Signs in and returns the access token; fails the test when sign-in fails. */
    public String accessToken(String email, String password) {
        var r = login(email, password);
        if (r.status() != 200) throw new AssertionError("login failed: " + r.status() + " " + r.body());
        return r.json().path("tokens").path("access_token").asText();
    }

    /** Registers an OAuth client through /v1/admin/clients ({@code kv}: metadata names and values); fails unless created. */
    public HttpJson.Response registerClient(Object... kv) {
        return registerClient(HttpJson.map(kv));
    }

    /**
     * The metadata of a confidential web client ({@code client_secret_basic}) named {@code name}, redirecting to
     * {@code redirectUri}, with {@code scope} and these grant types; a mutable map, for tests that add to it or replace
     * an entry before {@link #registerClient(Map)}.
     */
    public static Map<String, Object> webClient(
            String name, java.net.URI redirectUri, String scope, String... grantTypes) {
        var metadata = new java.util.LinkedHashMap<String, Object>();
        metadata.put("client_name", name);
        metadata.put("grant_types", java.util.List.of(grantTypes));
        metadata.put("redirect_uris", java.util.List.of(redirectUri.toString()));
        metadata.put("token_endpoint_auth_method", "client_secret_basic");
        metadata.put("scope", scope);
        return metadata;
    }

    /** Registers an OAuth client through /v1/admin/clients with this metadata; fails unless created. */
    public HttpJson.Response registerClient(Map<String, ?> metadata) {
        return registerClientAs(adminToken(), metadata);
    }

    /**
     * Registers an OAuth client through /v1/admin/clients with an admin's {@code adminToken} (for tests that reuse one
     * sign-in across many registrations); fails unless created.
     */
    public HttpJson.Response registerClientAs(String adminToken, Map<String, ?> metadata) {
        var r = http.post("/v1/admin/clients").bearer(adminToken).json(metadata).send();
        if (r.status() != 201) throw new AssertionError("client registration failed: " + r.status() + " " + r.body());
        return r;
    }

    /**
     * Creates these scopes in the scopes table (a client may only register scopes that exist), each described by its
     * name; one that exists already is kept.
     */
    public void createScopes(String... names) {
        String admin = adminToken();
        for (String name : names) {
            var r = http.post("/v1/admin/scopes")
                    .bearer(admin)
                    .json(Map.of("name", name, "description", "Test scope " + name))
                    .send();
            if (r.status() != 201 && r.status() != 409)
                throw new AssertionError("scope creation failed: " + r.status() + " " + r.body());
        }
    }

    public String adminToken() {
        return accessToken(ADMIN_EMAIL, ADMIN_PASSWORD);
    }

    /**
     * The plain-text part of a mail, decoded (a mail with non-ASCII text travels quoted-printable, which would break a
     * token or a link apart).
     */
    public static String mailText(MimeMessage m) {
        try {
            Object content = m.getContent();
            if (content instanceof jakarta.mail.Multipart parts)
                return String.valueOf(parts.getBodyPart(0).getContent());
            return String.valueOf(content);
        } catch (jakarta.mail.MessagingException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for a mail to {@code to} whose subject matches, and returns it. */
    public MimeMessage awaitMail(String to, Predicate<String> subject) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (MimeMessage m : mail.getReceivedMessages()) {
                try {
                    if (m.getAllRecipients()[0].toString().equalsIgnoreCase(to) && subject.test(m.getSubject()))
                        return m;
                } catch (jakarta.mail.MessagingException e) {
                    throw new IllegalStateException(e);
                }
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("no mail to " + to + " arrived within 10 s");
    }

    /**
     * The token in the first link of the oldest mail to {@code to} with a matching subject (waits for one to arrive);
     * for later mails of the same kind use {@link TestAccounts#tokensFromMails}.
     */
    public String tokenFromMail(String to, Predicate<String> subject) {
        String body = mailText(awaitMail(to, subject));
        Matcher m = Pattern.compile("token=([A-Za-z0-9_%-]+)").matcher(body);
        if (!m.find()) throw new AssertionError("no token link in mail: " + body);
        return java.net.URLDecoder.decode(m.group(1), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The link of the oldest matching mail to {@code to} (the issuer, a page's path and {@code ?token=...}). */
    public java.net.URI linkFromMail(String to, Predicate<String> subject) {
        String body = mailText(awaitMail(to, subject));
        Matcher m = Pattern.compile("(https?://[^\\s\"<>]+\\?token=[A-Za-z0-9_%-]+)")
                .matcher(body);
        if (!m.find()) throw new AssertionError("no link in mail: " + body);
        return java.net.URI.create(m.group(1));
    }

    public int mailCount(String to) {
        int n = 0;
        for (MimeMessage m : mail.getReceivedMessages()) {
            try {
                if (m.getAllRecipients()[0].toString().equalsIgnoreCase(to)) n++;
            } catch (jakarta.mail.MessagingException e) {
                throw new IllegalStateException(e);
            }
        }
        return n;
    }

    private static int freePort() {
        try (var s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        app.close();
        mail.stop();
        if (ownsDatabase) database.close();
    }
}
