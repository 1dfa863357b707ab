package dev.gatehouse.oidc;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's chromium, headless, with a fresh profile, driven by the system chromedriver: the browser of the real-browser
 * tests. The driver file is given explicitly, so Selenium Manager (which would download one) never runs; the flags
 * keep chromium off the network it cannot reach here.
 */
final class Chromium implements AutoCloseable {
    static final File BINARY = new File("/usr/bin/chromium");
    static final File DRIVER = new File("/usr/bin/chromedriver");

    final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Path profile;
    private final Duration wait;

    private Chromium(ChromeDriverService service, ChromeDriver driver, Path profile, Duration wait) {
        this.service = service;
        this.driver = driver;
        this.profile = profile;
        this.wait = wait;
    }

    /** A new browser whose page loads, scripts and waits give up after {@code wait}. */
    static Chromium start(Duration wait) throws IOException {
        Path profile = Files.createTempDirectory("gatehouse-chromium");
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, DRIVER.getPath());
        var service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER)
                .usingAnyFreePort()
                .build();
        var options = new ChromeOptions();
        options.setBinary(BINARY);
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile);
        var driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(wait);
        driver.manage().timeouts().scriptTimeout(wait);
        return new Chromium(service, driver, profile, wait);
    }

    /**
     * Waits for {@code condition}, reading the page as it is at each poll: an element found just before the browser
     * navigated is gone a moment later (stale, or "does not belong to the document"), which counts as not yet.
     */
    void until(Function<WebDriver, Boolean> condition) {
        new WebDriverWait(driver, wait).until(d -> {
            try {
                return condition.apply(d);
            } catch (WebDriverException e) {
                return false;
            }
        });
    }

    void waitForPath(String path) {
        until(d -> URI.create(d.getCurrentUrl()).getPath().equals(path));
    }

    @Override
    public void close() throws IOException {
        driver.quit();
        service.stop();
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
