package dev.gatehouse.oidc;

import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Back-Channel Logout 1.0 §2.5: POSTs a Logout Token as the {@code logout_token} form field to a client's
 * {@code backchannel_logout_uri}, off the request thread so a slow or dead client never holds up the user's logout.
 * Each call has a 5-second connect and response timeout; a network error, 5xx or 429 is retried after 1, 5 and 30
 * seconds, any other answer is final (a 400 means the client refused the token, and resending will not change that).
 * Redirects are not followed. Deliveries live in memory: a restart drops the ones still pending (a logout token is
 * valid for two minutes, so a durable outbox table would buy little).
 *
 * <p>A client names the address, so the server never calls one that resolves to a loopback, private, link-local or
 * otherwise internal address unless {@code GATEHOUSE_WEBHOOK_ALLOW_PRIVATE} is set: otherwise whoever holds a
 * registration access token could make Gatehouse POST to services beside it (server-side request forgery). The
 * address is checked when each attempt starts; a name that resolves differently between that check and the connection
 * (DNS rebinding) is not caught. A name that does not resolve is retried like a network error (DNS fails for a
 * while too). Names are looked up on virtual threads, so one client's slow DNS holds up no other delivery.
 */
public final class BackChannelLogout implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackChannelLogout.class);
    static final List<Duration> RETRY_DELAYS =
            List.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30));
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("backchannel-logout").daemon().factory());
    /** Runs each attempt, whose address lookup may block. */
    private final java.util.concurrent.ExecutorService attempts = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("backchannel-logout-", 0).factory());

    private final boolean allowPrivate;

    /** {@code allowPrivate}: also call loopback and private addresses (development, or clients inside the network). */
    public BackChannelLogout(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
    }

    /** Queues delivery of {@code logoutToken} to {@code uri}; returns at once. */
    public void send(String clientId, URI uri, String logoutToken) {
        start(() -> attempt(clientId, uri, logoutToken, 0));
    }

    private void start(Runnable attempt) {
        try {
            attempts.execute(attempt);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            // stopping: the delivery is dropped
        }
    }

    private void attempt(String clientId, URI uri, String logoutToken, int attempt) {
        if (!allowPrivate) {
            switch (reach(uri.getHost())) {
                case INTERNAL -> {
                    log.warn(
                            "Back-channel logout to client {} not sent: its backchannel_logout_uri resolves to an"
                                    + " internal address (set GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true to allow)",
                            clientId);
                    return;
                }
                case UNRESOLVED -> {
                    retryOrGiveUp(clientId, uri, logoutToken, attempt, "the host does not resolve");
                    return;
                }
                case PUBLIC -> {}
            }
        }
        var request = HttpRequest.newBuilder(uri)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "logout_token=" + URLEncoder.encode(logoutToken, StandardCharsets.UTF_8)))
                .build();
        // The outcome is handled in the callback; nothing waits on the future.
        var unused = http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, error) -> {
                    if (error == null && response.statusCode() / 100 == 2) {
                        log.debug("Back-channel logout delivered to client {}", clientId);
                        return;
                    }
                    boolean retryable = error != null || response.statusCode() >= 500 || response.statusCode() == 429;
                    String outcome = error != null ? error.getClass().getSimpleName() : "HTTP " + response.statusCode();
                    if (retryable) retryOrGiveUp(clientId, uri, logoutToken, attempt, outcome);
                    else log.warn("Back-channel logout to client {} not delivered ({})", clientId, outcome);
                });
    }

    private void retryOrGiveUp(String clientId, URI uri, String logoutToken, int attempt, String outcome) {
        if (attempt >= RETRY_DELAYS.size() || retries.isShutdown()) {
            log.warn("Back-channel logout to client {} not delivered ({})", clientId, outcome);
            return;
        }
        log.info("Back-channel logout to client {} failed ({}); retrying", clientId, outcome);
        try {
            var unusedRetry = retries.schedule(
                    () -> start(() -> attempt(clientId, uri, logoutToken, attempt + 1)),
                    RETRY_DELAYS.get(attempt).toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            // stopping: the pending delivery is dropped
        }
    }

    /** Where a client's host leads. */
    enum Reach {
        /** Every address it resolves to is a public unicast one. */
        PUBLIC,
        /** One of its addresses is loopback, private, link-local, shared, unique-local or multicast (or no host). */
        INTERNAL,
        /** It does not resolve (now). */
        UNRESOLVED
    }

    static Reach reach(String host) {
        if (host == null) return Reach.INTERNAL;
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (a.isLoopbackAddress()
                        || a.isAnyLocalAddress()
                        || a.isSiteLocalAddress()
                        || a.isLinkLocalAddress()
                        || a.isMulticastAddress()
                        || uniqueLocalOrShared(a)) return Reach.INTERNAL;
            }
            return Reach.PUBLIC;
        } catch (UnknownHostException e) {
            return Reach.UNRESOLVED;
        }
    }

    /** IPv6 unique local addresses (fc00::/7) and IPv4 shared address space (100.64.0.0/10, RFC 6598). */
    private static boolean uniqueLocalOrShared(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 16) return (b[0] & 0xfe) == 0xfc;
        return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
    }

    @Override
    public void close() {
        retries.shutdownNow();
        attempts.shutdownNow();
        http.shutdownNow();
    }
}
