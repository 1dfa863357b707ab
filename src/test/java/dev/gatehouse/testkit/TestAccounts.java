package dev.gatehouse.testkit;

import static dev.gatehouse.testkit.HttpJson.map;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Account fixtures for end-to-end tests on one shared {@link TestServer}: unique addresses (so the tests of a class
 * never collide), signed-in callers, mailed tokens in arrival order, the audit trail, and a peek at stored rows.
 */
public final class TestAccounts {
    public static final String PASSWORD = "Correct-Horse-Battery-9";
    public static final String NEW_PASSWORD = "Violet-Lantern-Orbit-42";
    public static final String WEAK_PASSWORD = "password1";
    private static final Pattern TOKEN = Pattern.compile("token=([A-Za-z0-9_%-]+)");

    private final TestServer server;

    public TestAccounts(TestServer server) {
        this.server = server;
    }

    /** A sign-in as the API answered it. */
    public record SignedIn(
            JsonNode body, HttpJson.Response response, String userId, String accessToken, String refreshToken) {
        public String deviceId() {
            return body.path("device_id").asText();
        }
    }

    /** An address nobody else in the run uses; the label keeps failures readable. */
    public static String email(String label) {
        return label + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    /** Registers a fresh account with {@link #PASSWORD}; returns its address. */
    public String registered(String label) {
        return server.register(email(label), PASSWORD);
    }

    /** Registers a fresh account and verifies its address with the mailed token. */
    public String verified(String label) {
        String email = registered(label);
        var r = server.http.post("/v1/auth/verify-email", map("token", server.tokenFromMail(email, isConfirm())));
        if (r.status() != 200) throw new AssertionError("verify failed: " + r.status() + " " + r.body());
        return email;
    }

    /** A second factor as {@link #enableTotp} turned it on: the authenticator app's base32 key and the backup codes. */
    public record Totp(String secret, List<String> backupCodes) {}

    /**
     * Turns TOTP on for the signed-in caller of {@code accessToken} through the API (set-up, then a code of the new key),
     * and moves the clock to the next 30-second step, since the enabling code is spent. Fails unless both answer 200.
     */
    public Totp enableTotp(String accessToken) {
        var setup = server.http.post("/v1/auth/mfa/setup").bearer(accessToken).send();
        if (setup.status() != 200) throw new AssertionError("mfa setup failed: " + setup.status() + " " + setup.body());
        String secret = setup.text("secret");
        var enable = server.http
                .post("/v1/auth/mfa/enable")
                .bearer(accessToken)
                .json(map("code", dev.gatehouse.mfa.TotpCodes.at(secret, server.clock.instant())))
                .send();
        if (enable.status() != 200)
            throw new AssertionError("mfa enable failed: " + enable.status() + " " + enable.body());
        var codes = new ArrayList<String>();
        enable.json().path("backup_codes").forEach(n -> codes.add(n.asText()));
        server.clock.advance(Duration.ofSeconds(30));
        return new Totp(secret, List.copyOf(codes));
    }

    /** Registers a fresh account and signs it in. */
    public SignedIn newUser(String label) {
        return signIn(registered(label), PASSWORD);
    }

    public SignedIn signIn(String email, String password, String... headers) {
        var call = server.http.post("/v1/auth/login").json(map("email", email, "password", password));
        for (int i = 0; i < headers.length; i += 2) call.header(headers[i], headers[i + 1]);
        var r = call.send();
        if (r.status() != 200) throw new AssertionError("login failed: " + r.status() + " " + r.body());
        return signedIn(r);
    }

    public static SignedIn signedIn(HttpJson.Response r) {
        JsonNode body = r.json();
        return new SignedIn(
                body,
                r,
                body.path("user").path("id").asText(),
                body.path("tokens").path("access_token").asText(),
                body.path("tokens").path("refresh_token").asText());
    }

    /** GET /v1/auth/me with the token: 200 while its session lives, 401 once it ended. */
    public int meStatus(String accessToken) {
        return server.http.get("/v1/auth/me").bearer(accessToken).send().status();
    }

    public HttpJson.Response refresh(String refreshToken) {
        return server.http.post("/v1/auth/refresh", map("refresh_token", refreshToken));
    }

    public static java.util.function.Predicate<String> isConfirm() {
        return s -> s.contains("Confirm your email");
    }

    public static java.util.function.Predicate<String> isReset() {
        return s -> s.contains("Reset your password");
    }

    public static java.util.function.Predicate<String> isMagicLink() {
        return s -> s.contains("sign-in link");
    }

    /** Waits until {@code count} matching mails reached {@code to}; returns their tokens, oldest first. */
    public List<String> tokensFromMails(String to, java.util.function.Predicate<String> subject, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            var tokens = new ArrayList<String>();
            for (MimeMessage m : matching(to, subject)) {
                Matcher t = TOKEN.matcher(TestServer.mailText(m));
                if (t.find()) tokens.add(URLDecoder.decode(t.group(1), StandardCharsets.UTF_8));
            }
            if (tokens.size() >= count) return tokens;
            if (System.nanoTime() > deadline)
                throw new AssertionError("only " + tokens.size() + " of " + count + " mails reached " + to);
            sleep();
        }
    }

    /** Mails that reached {@code to} with a matching subject, in arrival order. */
    public List<MimeMessage> matching(String to, java.util.function.Predicate<String> subject) {
        var out = new ArrayList<MimeMessage>();
        for (MimeMessage m : server.mail.getReceivedMessages()) {
            try {
                if (m.getAllRecipients()[0].toString().equalsIgnoreCase(to) && subject.test(m.getSubject())) out.add(m);
            } catch (MessagingException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /**
     * Subjects of every mail queued for {@code to}, read from the admin outbox. The outbox is written in the same
     * transaction as the change, so unlike the SMTP catcher it also proves that a mail was never sent.
     */
    public List<String> queuedSubjects(String to) {
        var r = server.http
                .get("/v1/admin/mail/outbox?limit=100")
                .bearer(server.adminToken())
                .send();
        if (r.status() != 200) throw new AssertionError("outbox: " + r.status() + " " + r.body());
        var out = new ArrayList<String>();
        for (JsonNode m : r.json().path("messages")) {
            if (m.path("recipient").asText().equalsIgnoreCase(to))
                out.add(m.path("subject").asText());
        }
        return out;
    }

    /** The audit events about one user, newest first (at most 100). */
    public List<JsonNode> auditOf(String userId) {
        var r = server.http
                .get("/v1/audit/logs?limit=100&user_id=" + userId)
                .bearer(server.adminToken())
                .send();
        if (r.status() != 200) throw new AssertionError("audit: " + r.status() + " " + r.body());
        var out = new ArrayList<JsonNode>();
        r.json().path("logs").forEach(out::add);
        return out;
    }

    /** The roles an account holds, read straight from the database (no roles API exists yet). */
    public List<String> rolesOf(String email) {
        return query(
                "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id JOIN users u ON u.id = ur.user_id"
                        + " WHERE u.email_normalized = ? ORDER BY r.name",
                email.toLowerCase(java.util.Locale.ROOT));
    }

    /** Whether any account uses the address, read straight from the database. */
    public boolean accountExists(String email) {
        return !query("SELECT id FROM users WHERE email_normalized = ?", email.toLowerCase(java.util.Locale.ROOT))
                .isEmpty();
    }

    /** The id of the account using the address, for accounts that cannot sign in. */
    public String idOf(String email) {
        var ids = query("SELECT id FROM users WHERE email_normalized = ?", email.toLowerCase(java.util.Locale.ROOT));
        if (ids.isEmpty()) throw new AssertionError("no account uses " + email);
        return ids.get(0);
    }

    private List<String> query(String sql, String arg) {
        try (Connection c = DriverManager.getConnection(server.database.url(), server.database.user(), "");
                var s = c.prepareStatement(sql)) {
            s.setString(1, arg);
            try (var rs = s.executeQuery()) {
                var out = new ArrayList<String>();
                while (rs.next()) out.add(rs.getString(1));
                return out;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(25);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
