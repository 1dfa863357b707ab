package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.virtualauthenticator.HasVirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * A test in Debian's chromium ({@link Chromium}): a fresh browser for each test, closed after it, and the steps the
 * real-browser tests share. Without {@code /usr/bin/chromium} or {@code /usr/bin/chromedriver} the test class is
 * skipped with a message, except under {@code CI=true}, where it fails ({@code .ci/run} installs both).
 */
abstract class ChromiumTest {
    /** The password of the accounts the tests register. */
    static final String PASSWORD = "Correct-Horse-Battery-9";
    /** How long the browser and the tests wait: for a page, a script, an element, the client's redirect URI. */
    static final Duration WAIT = Duration.ofSeconds(20);

    Chromium chromium;
    WebDriver driver;

    /** Runs before the test class's own {@code @BeforeAll}: a class skipped here starts no server. */
    @BeforeAll
    static void requireBrowser() {
        for (File f : List.of(Chromium.BINARY, Chromium.DRIVER)) {
            if (f.canExecute()) continue;
            String message = f + " is missing: the real-browser test of the hosted pages cannot run"
                    + " (apt-get install chromium chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(message + " (CI=true)");
            System.err.println("SKIPPED: " + message);
            Assumptions.abort(message);
        }
    }

    @BeforeEach
    void openBrowser() throws IOException {
        chromium = Chromium.start(WAIT);
        driver = chromium.driver;
    }

    @AfterEach
    void closeBrowser() throws IOException {
        if (chromium != null) chromium.close();
    }

    void waitForPath(String path) {
        chromium.waitForPath(path);
    }

    void until(Function<WebDriver, Boolean> condition) {
        chromium.until(condition);
    }

    /**
     * A virtual CTAP2 authenticator in this browser: discoverable credentials, user verification done and consent given
     * whenever asked; {@code transport} INTERNAL for a platform passkey, USB for a security key.
     */
    VirtualAuthenticator addAuthenticator(VirtualAuthenticatorOptions.Transport transport) {
        return ((HasVirtualAuthenticator) driver)
                .addVirtualAuthenticator(new VirtualAuthenticatorOptions()
                        .setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
                        .setTransport(transport)
                        .setHasResidentKey(true)
                        .setHasUserVerification(true)
                        .setIsUserVerified(true)
                        .setIsUserConsenting(true));
    }

    /** Waits for the hosted login page and signs in there as {@code email}, with {@link #PASSWORD}. */
    void signIn(String email) {
        waitForPath("/login");
        driver.findElement(By.id("email")).sendKeys(email);
        driver.findElement(By.id("password")).sendKeys(PASSWORD);
        driver.findElement(By.cssSelector("button[type=submit]")).click();
    }

    /**
     * On {@code /account/security}, with its passkey form shown: adds a passkey named {@code name} through the page's
     * script and waits for the page that follows. A user's first factor comes with backup codes, which the page shows
     * before going on: those are returned (empty when none were shown).
     */
    java.util.List<String> addPasskey(String name) {
        driver.findElement(By.id("passkey-name")).sendKeys(name);
        driver.findElement(By.id("passkey-add-button")).click();
        until(d -> d.getCurrentUrl().contains("notice=passkey_added")
                || !d.findElements(By.id("backup-codes-done")).isEmpty()
                || (!d.findElement(By.id("passkey-status")).getText().isBlank()
                        && !d.findElement(By.id("passkey-status"))
                                .getText()
                                .equals("Follow the instructions of your browser.")));
        if (driver.findElements(By.id("backup-codes-done")).isEmpty()) return java.util.List.of();
        var codes = driver.findElements(By.cssSelector("#backup-codes code")).stream()
                .map(org.openqa.selenium.WebElement::getText)
                .toList();
        driver.findElement(By.id("backup-codes-done")).click();
        until(d -> d.getCurrentUrl().contains("notice=passkey_added"));
        return codes;
    }

    String whereIsTheBrowser() {
        return "the browser should have reached the client's redirect URI; it is at " + driver.getCurrentUrl() + "\n"
                + driver.getPageSource();
    }

    /**
     * The URI the browser comes back to {@code client} with next, waiting up to {@link #WAIT}; fails, saying where the
     * browser is instead, when none comes.
     */
    URI landedAt(ClientCallback client) throws InterruptedException {
        URI landed = client.next(WAIT);
        assertThat(landed).as(this::whereIsTheBrowser).isNotNull();
        return landed;
    }
}
