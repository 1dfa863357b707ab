package dev.gatehouse;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.config.DataDirectory;
import dev.gatehouse.platform.crypto.CryptoProviders;
import dev.gatehouse.platform.crypto.MasterKey;
import dev.gatehouse.platform.crypto.PasswordHasher;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.ClusterEvents;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Json;
import dev.gatehouse.platform.keys.JdbiSigningKeyStore;
import dev.gatehouse.platform.keys.KeyRing;
import dev.gatehouse.platform.mail.DevOutboxTransport;
import dev.gatehouse.platform.mail.MailOutbox;
import dev.gatehouse.platform.mail.MailTransport;
import dev.gatehouse.platform.mail.MailWorker;
import dev.gatehouse.platform.mail.SmtpTransport;
import dev.gatehouse.platform.metrics.Metrics;
import dev.gatehouse.platform.ratelimit.RateLimiter;
import dev.gatehouse.rbac.RbacService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;

/**
 * The first part of {@link App}'s wiring: the pieces every feature is built on. It owns the start-up order of the
 * database: the pool opened, the schema migrated and the signing keys of every algorithm made or loaded, with the pool
 * closed again when that fails. Besides the platform (clock, crypto provider, metrics, keys, mail, cluster events, rate
 * limits, JSON) it holds the two features every other one records to or asks: the audit log and roles. {@link App}
 * starts and closes what runs in the background (mail worker, cluster events, limiter, database).
 */
record PlatformWiring(
        Clock clock,
        String cryptoProvider,
        PrometheusMeterRegistry metrics,
        Database db,
        MasterKey masterKey,
        KeyRing keyRing,
        MailOutbox outbox,
        MailWorker mailWorker,
        AuditLog audit,
        RbacService rbac,
        PasswordHasher hasher,
        ClusterEvents clusterEvents,
        RateLimiter limiter,
        ObjectMapper mapper) {

    static PlatformWiring open(Config config, Clock exactClock, Secrets secrets) {
        // Both databases keep microseconds; a clock of the same precision makes stored and in-memory times agree.
        Clock clock = Clock.tick(exactClock, Duration.ofNanos(1_000));
        String provider = CryptoProviders.install(System.getProperty("gatehouse.crypto", "auto"));
        var metrics = Metrics.create();

        // The embedded database and a generated master key live in the data directory: made for the owner alone.
        if (config.dbUrl().isEmpty() || config.masterKey().isEmpty()) DataDirectory.prepare(config.dataDir());
        String url = config.dbUrl().orElseGet(() -> Database.embeddedUrl(config.dataDir()));
        var db = Database.open(url, config.dbUser(), config.dbPassword(), url.startsWith("jdbc:postgresql:") ? 16 : 8);
        db.pool().setMetricRegistry(metrics);
        var masterKey = MasterKey.load(config.masterKey(), config.dataDir(), secrets);
        var keyRing = new KeyRing(
                new JdbiSigningKeyStore(db),
                masterKey,
                clock,
                Duration.ofHours(1),
                config.accessTokenTtl().plus(Duration.ofHours(1)));
        try {
            db.migrate();
            // A key for every algorithm a client may choose, published from the start: one made when a client first
            // asks for its algorithm would sign at once, before the other nodes of a cluster publish it (ADR 0002).
            // Generated on an empty database only; a restart loads them.
            keyRing.init(KeyRing.SUPPORTED);
        } catch (RuntimeException e) {
            db.close(); // a failed start (wrong master key, say) leaves no pool behind
            throw e;
        }

        MailTransport transport =
                config.smtp().configured() ? new SmtpTransport(config.smtp()) : new DevOutboxTransport();
        var outbox = new MailOutbox(db, clock, transport.keepsBodies());
        var mailWorker = new MailWorker(outbox, transport);

        var audit = new AuditLog(db, clock);
        var rbac = new RbacService(db, clock);
        var hasher = new PasswordHasher(config.argon2(), secrets);
        var clusterEvents = new ClusterEvents(db);
        keyRing.shareChanges(clusterEvents);
        var limiter = config.redisUrl()
                .map(redis -> new RateLimiter(config.rateLimits(), clock, redis, masterKey.derive("rate-limit keys")))
                .orElseGet(() -> new RateLimiter(config.rateLimits(), clock));
        limiter.bindTo(metrics);
        return new PlatformWiring(
                clock,
                provider,
                metrics,
                db,
                masterKey,
                keyRing,
                outbox,
                mailWorker,
                audit,
                rbac,
                hasher,
                clusterEvents,
                limiter,
                Json.newMapper());
    }
}
