package dev.gatehouse;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.admin.AdminRoutes;
import dev.gatehouse.auth.TokenAuthenticator;
import dev.gatehouse.oauth.authorize.ExpiredCodes;
import dev.gatehouse.oauth.authorize.JdbiCodeStore;
import dev.gatehouse.oauth.authorize.JdbiParStore;
import dev.gatehouse.oidc.BackChannelLogout;
import dev.gatehouse.ops.DocsRoutes;
import dev.gatehouse.ops.HealthRoutes;
import dev.gatehouse.ops.JwksRoutes;
import dev.gatehouse.ops.MetricsRoutes;
import dev.gatehouse.ops.Sweeper;
import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.ClusterEvents;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.ClientAddress;
import dev.gatehouse.platform.http.HttpServer;
import dev.gatehouse.platform.http.Json;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.keys.KeyRing;
import dev.gatehouse.platform.mail.MailWorker;
import dev.gatehouse.platform.ratelimit.RateLimiter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every component with {@code new}, in dependency order, and owns their lifecycle. Tests
 * start this same class with test settings. The wiring is in four parts beside it, each building an area and handing
 * on what the later ones need: {@link PlatformWiring}, {@link IdentityWiring} (accounts, sign-in, second factors),
 * {@link OAuthWiring} and {@link HostedPagesWiring}. App joins them: the consequences that cross areas, the server's
 * routes in their order, the cleanup job, and starting and stopping what runs in the background.
 */
public final class App implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(App.class);
    public static final String VERSION = Optional.ofNullable(
                    App.class.getPackage().getImplementationVersion())
            .orElse("dev");

    private final Config config;
    private final Database db;
    private final MailWorker mailWorker;
    private final HttpServer http;
    private final KeyRing keyRing;
    private final AccountService accounts;
    private final BackChannelLogout backChannelLogout;
    private final Sweeper sweeper;
    private final ClusterEvents clusterEvents;
    private final RateLimiter limiter;

    private App(Config config, Clock exactClock, Secrets secrets) {
        this.config = config;
        var platform = PlatformWiring.open(config, exactClock, secrets);
        Clock clock = platform.clock();
        var metrics = platform.metrics();
        this.db = platform.db();
        this.keyRing = platform.keyRing();
        this.mailWorker = platform.mailWorker();
        this.clusterEvents = platform.clusterEvents();
        this.limiter = platform.limiter();
        var identity = new IdentityWiring(config, secrets, platform);
        this.accounts = identity.accounts;
        var oauth = new OAuthWiring(config, secrets, platform, identity);
        this.backChannelLogout = oauth.backChannelLogout;
        // When every session of an account ends, so do its browser sign-ins, the sign-ins waiting for a second factor
        // and the device approvals not yet redeemed.
        identity.sessions.whenEndedEverywhere((h, user, ended) -> {
            oauth.logout.endedEverywhere(h, user, ended);
            identity.mfa.abandonPendingSignIns(h, user);
            oauth.devices.withdrawApproved(h, user);
        });
        // When the owner of an address proves it for the first time, the ways in that the account's registrant (maybe
        // not the owner: account pre-hijacking) set up before go too; the password and sessions go in MailedLinks.
        identity.mailedLinks.whenAddressProven((h, user) -> {
            identity.mfaFactors.removeAll(h, user);
            oauth.consent.forgetAll(h, user);
        });
        var web = new Web(
                platform.mapper(),
                List.of(new TokenAuthenticator(oauth.introspector, platform.rbac())),
                limiter,
                metrics);
        boolean https = config.issuer().startsWith("https:");

        // The server's routes, in the order they are registered.
        var groups = new ArrayList<RouteGroup>();
        HttpServer[] self = new HttpServer[1];
        Map<String, Object> components = new LinkedHashMap<>();
        components.put("crypto_provider", platform.cryptoProvider());
        components.put("mail", mailWorker.describe());
        groups.add(new HealthRoutes(
                db,
                web,
                VERSION,
                () -> self[0] != null && self[0].draining(),
                () -> {
                    var now = new LinkedHashMap<>(components);
                    now.put("rate_limits", limiter.describe());
                    return now;
                },
                clock));
        groups.add(new MetricsRoutes(metrics));
        groups.add(new JwksRoutes(keyRing));
        identity.addRoutes(groups, web, https);
        oauth.addRoutes(groups, web);
        HostedPagesWiring.addRoutes(groups, config, secrets, clock, identity, oauth, web, https);
        groups.add(new AdminRoutes(keyRing, platform.outbox(), accounts, platform.audit(), web, clock));
        groups.add(new DocsRoutes(config.issuer(), VERSION, platform.mapper(), () -> self[0].operations()));
        this.sweeper = sweeper(config, clock, db, identity, oauth);
        this.http = new HttpServer(
                config.httpHost(),
                config.httpPort(),
                config.issuer(),
                platform.mapper(),
                metrics,
                groups,
                ClientAddress.trusting(config.trustedProxies()));
        self[0] = http;
        log.info("Crypto provider: {}; mail: {}", platform.cryptoProvider(), mailWorker.describe());
        if (!config.rateLimits()) log.warn("GATEHOUSE_RATE_LIMITS=off: every rate limit is disabled");
        else if (config.redisUrl().isEmpty())
            log.info(
                    "Rate limits: buckets in memory on this node (set GATEHOUSE_REDIS_URL to share them in a cluster)");
    }

    /** The cleanup job: the expired rows of each table, in this order. */
    private static Sweeper sweeper(
            Config config, Clock clock, Database db, IdentityWiring identity, OAuthWiring oauth) {
        var codes = new ExpiredCodes(db, new JdbiCodeStore(), new JdbiParStore());
        var mfaStore = identity.mfaStore;
        var webauthnStore = identity.webauthnStore;
        var deviceStore = oauth.deviceStore;
        return new Sweeper(
                clock,
                config.cleanupInterval(),
                Duration.ofSeconds(1),
                List.of(
                        new Sweeper.Task("authorization_codes", codes::deleteExpired),
                        new Sweeper.Task("pushed_authorization_requests", codes::deleteExpiredPushed),
                        new Sweeper.Task("refresh_tokens", identity.sessions::deleteExpiredRefreshTokens),
                        new Sweeper.Task("sso_sessions", identity.sso::deleteExpired),
                        new Sweeper.Task("initial_access_tokens", oauth.initialAccessTokens::deleteExpired),
                        new Sweeper.Task("one_time_tokens", identity.mailedLinks::deleteExpiredTokens),
                        new Sweeper.Task("revoked_access_tokens", oauth.revocations::deleteExpired),
                        // Pending sign-ins and ceremonies: kept an hour past expiry, so a late answer still finds
                        // its row and is refused as expired rather than unknown; device codes a day.
                        new Sweeper.Task(
                                "mfa_challenges",
                                now -> db.inTransaction(
                                        h -> mfaStore.deleteExpiredChallenges(h, now.minus(Duration.ofHours(1))))),
                        new Sweeper.Task(
                                "webauthn_challenges",
                                now -> db.inTransaction(h -> webauthnStore.purgeExpired(h, now))),
                        new Sweeper.Task(
                                "device_codes",
                                now -> db.inTransaction(
                                        h -> deviceStore.purgeExpired(h, now.minus(Duration.ofDays(1)))))));
    }

    public static App start(Config config) {
        return start(config, Clock.systemUTC(), Secrets.system());
    }

    public static App start(Config config, Clock clock, Secrets secrets) {
        var app = new App(config, clock, secrets);
        try {
            app.bootstrapAdmin(secrets);
            app.mailWorker.start();
            app.sweeper.start();
            app.clusterEvents.start();
            app.http.start();
        } catch (RuntimeException e) {
            app.close(); // e.g. the port is taken: stop the background work and the pool started so far
            throw e;
        }
        return app;
    }

    private void bootstrapAdmin(Secrets secrets) {
        String email = config.adminEmail().orElse("admin@gatehouse.local");
        boolean generated = config.adminPassword().isEmpty();
        String password =
                config.adminPassword().orElseGet(() -> secrets.token("").substring(0, 24));
        if (accounts.createFirstAdmin(email, password)) {
            if (generated) {
                // Printed once to the console, never logged: it is the only copy. In JSON mode as a JSON line too,
                // so a log shipper reading stdout still parses every line.
                String text = "First administrator created: " + email + " / " + password
                        + "  (shown once; change it after signing in)";
                System.out.println(
                        "json".equals(config.logFormat())
                                ? Json.write(
                                        Json.newMapper(),
                                        Map.of(
                                                "timestamp",
                                                System.currentTimeMillis(),
                                                "level",
                                                "WARN",
                                                "loggerName",
                                                App.class.getName(),
                                                "formattedMessage",
                                                text))
                                : text);
            } else {
                log.info("First administrator created: {}", email);
            }
        }
    }

    public int port() {
        return http.port();
    }

    public String issuer() {
        return config.issuer();
    }

    public KeyRing keyRing() {
        return keyRing;
    }

    /** The routes the server serves ("METHOD /path"), for checking the API description against them. */
    public List<String> routes() {
        return http.routes();
    }

    /** Drains in-flight requests, stops background work and closes the pool. */
    @Override
    public void close() {
        http.stop(10_000);
        sweeper.close();
        clusterEvents.close();
        mailWorker.close();
        backChannelLogout.close();
        limiter.close();
        db.close();
    }
}
