package dev.gatehouse.platform.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Everything Gatehouse reads from its environment, validated once at start-up. A bad value throws a
 * {@link ConfigException} naming the variable; nothing else in the code reads the environment.
 */
public record Config(
        String httpHost,
        int httpPort,
        String issuer,
        Path dataDir,
        Optional<String> dbUrl,
        Optional<String> dbUser,
        Optional<String> dbPassword,
        Optional<String> redisUrl,
        Optional<String> masterKey,
        Optional<String> adminEmail,
        Optional<String> adminPassword,
        Smtp smtp,
        boolean rateLimits,
        Argon2 argon2,
        boolean webhookAllowPrivate,
        String logFormat,
        Duration accessTokenTtl,
        Duration refreshTokenTtl,
        boolean requireVerifiedEmail,
        boolean registrationEnabled,
        String apiAudience,
        int mfaTrustDays,
        boolean mfaRequired,
        Duration cleanupInterval,
        java.util.List<String> trustedProxies,
        boolean clientAssertionEndpointAudience,
        Duration ssoIdle,
        boolean openClientRegistration) {

    public enum SmtpTls {
        NONE,
        STARTTLS,
        TLS
    }

    public record Smtp(
            Optional<String> host,
            int port,
            Optional<String> username,
            Optional<String> password,
            String from,
            SmtpTls tls) {
        public boolean configured() {
            return host.isPresent();
        }
    }

    /** Argon2id cost; the defaults are OWASP's second recommended setting (19 MiB, 2 passes, 1 lane). */
    public record Argon2(int memoryKib, int iterations, int parallelism) {}

    public static Config fromEnv(Map<String, String> env) {
        var r = new Reader(env);
        int port = r.intIn("GATEHOUSE_HTTP_PORT", 8080, 0, 65535);
        String host = r.str("GATEHOUSE_HTTP_HOST", "0.0.0.0");
        String issuer = r.url("GATEHOUSE_ISSUER", "http://localhost:" + (port == 0 ? 8080 : port));
        Path dataDir = Path.of(r.str("GATEHOUSE_DATA_DIR", "./data"));
        Optional<String> dbUrl = r.opt("GATEHOUSE_DB_URL");
        dbUrl.ifPresent(u -> {
            if (!u.startsWith("jdbc:postgresql:") && !u.startsWith("jdbc:h2:")) {
                throw new ConfigException("GATEHOUSE_DB_URL", "must start with jdbc:postgresql: or jdbc:h2:");
            }
        });
        var smtp = new Smtp(
                r.opt("GATEHOUSE_SMTP_HOST"),
                r.intIn("GATEHOUSE_SMTP_PORT", 587, 1, 65535),
                r.opt("GATEHOUSE_SMTP_USERNAME"),
                r.opt("GATEHOUSE_SMTP_PASSWORD"),
                r.str("GATEHOUSE_SMTP_FROM", "Gatehouse <no-reply@localhost>"),
                r.oneOf("GATEHOUSE_SMTP_TLS", SmtpTls.class, SmtpTls.STARTTLS));
        var argon2 = new Argon2(
                r.intIn("GATEHOUSE_ARGON2_MEMORY_KIB", 19_456, 1024, 4_194_304),
                r.intIn("GATEHOUSE_ARGON2_ITERATIONS", 2, 1, 100),
                r.intIn("GATEHOUSE_ARGON2_PARALLELISM", 1, 1, 64));
        Optional<String> masterKey = r.base64Key("GATEHOUSE_MASTER_KEY", 32);
        Optional<String> adminEmail = r.opt("GATEHOUSE_ADMIN_EMAIL");
        adminEmail.ifPresent(e -> {
            if (!e.contains("@")) throw new ConfigException("GATEHOUSE_ADMIN_EMAIL", "is not an email address");
        });
        return new Config(
                host,
                port,
                issuer,
                dataDir,
                dbUrl,
                r.opt("GATEHOUSE_DB_USER"),
                r.opt("GATEHOUSE_DB_PASSWORD"),
                redisUrl(r.opt("GATEHOUSE_REDIS_URL")),
                masterKey,
                adminEmail,
                r.opt("GATEHOUSE_ADMIN_PASSWORD"),
                smtp,
                r.onOff("GATEHOUSE_RATE_LIMITS", true),
                argon2,
                r.bool("GATEHOUSE_WEBHOOK_ALLOW_PRIVATE", false),
                r.oneOf("GATEHOUSE_LOG_FORMAT", LogFormat.class, LogFormat.TEXT)
                        .name()
                        .toLowerCase(Locale.ROOT),
                Duration.ofSeconds(r.intIn("GATEHOUSE_ACCESS_TOKEN_TTL_SECONDS", 900, 30, 86_400)),
                Duration.ofDays(r.intIn("GATEHOUSE_REFRESH_TOKEN_TTL_DAYS", 30, 1, 365)),
                r.bool("GATEHOUSE_REQUIRE_VERIFIED_EMAIL", false),
                r.bool("GATEHOUSE_REGISTRATION_ENABLED", true),
                r.str("GATEHOUSE_API_AUDIENCE", issuer),
                r.intIn("GATEHOUSE_MFA_TRUST_DAYS", 30, 1, 365),
                r.bool("GATEHOUSE_MFA_REQUIRED", false),
                Duration.ofSeconds(r.intIn("GATEHOUSE_CLEANUP_INTERVAL_SECONDS", 3600, 1, 604_800)),
                trustedProxies(r.str("GATEHOUSE_TRUSTED_PROXIES", "")),
                r.bool("GATEHOUSE_CLIENT_ASSERTION_ENDPOINT_AUDIENCE", false),
                Duration.ofHours(r.intIn("GATEHOUSE_SSO_IDLE_HOURS", 72, 1, 8_760)),
                r.bool("GATEHOUSE_OPEN_CLIENT_REGISTRATION", false));
    }

    /** Where rate-limit buckets are shared in a cluster (ADR 0019); checked here, connected on first use. */
    private static Optional<String> redisUrl(Optional<String> value) {
        value.ifPresent(url -> {
            try {
                dev.gatehouse.platform.ratelimit.RedisBuckets.parse(url);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("GATEHOUSE_REDIS_URL", e.getMessage());
            }
        });
        return value;
    }

    /** Comma-separated IP addresses, CIDR prefixes or ranges of the reverse proxies in front (ADR 0018). */
    private static java.util.List<String> trustedProxies(String value) {
        var list = java.util.Arrays.stream(value.split(","))
                .map(String::trim)
                .filter(v -> !v.isEmpty())
                .toList();
        try {
            dev.gatehouse.platform.http.ClientAddress.trusting(list);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("GATEHOUSE_TRUSTED_PROXIES", "has " + e.getMessage());
        }
        return list;
    }

    private enum LogFormat {
        TEXT,
        JSON
    }

    /** Reads and checks single variables; each failure names its variable. */
    private record Reader(Map<String, String> env) {
        Optional<String> opt(String name) {
            String v = env.get(name);
            return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
        }

        String str(String name, String dflt) {
            return opt(name).orElse(dflt);
        }

        int intIn(String name, int dflt, int min, int max) {
            Optional<String> v = opt(name);
            if (v.isEmpty()) return dflt;
            try {
                int n = Integer.parseInt(v.get());
                if (n < min || n > max) {
                    throw new ConfigException(name, "must be between " + min + " and " + max + ", got " + n);
                }
                return n;
            } catch (NumberFormatException e) {
                throw new ConfigException(name, "must be a whole number, got '" + v.get() + "'");
            }
        }

        boolean bool(String name, boolean dflt) {
            Optional<String> v = opt(name);
            if (v.isEmpty()) return dflt;
            return switch (v.get().toLowerCase(Locale.ROOT)) {
                case "true", "1", "yes", "on" -> true;
                case "false", "0", "no", "off" -> false;
                default -> throw new ConfigException(name, "must be true or false, got '" + v.get() + "'");
            };
        }

        /** A switch documented as {@code on} / {@code off} (true/false, yes/no and 1/0 are taken too). */
        boolean onOff(String name, boolean dflt) {
            try {
                return bool(name, dflt);
            } catch (ConfigException e) {
                throw new ConfigException(
                        name, "must be on or off, got '" + opt(name).orElse("") + "'");
            }
        }

        <E extends Enum<E>> E oneOf(String name, Class<E> type, E dflt) {
            Optional<String> v = opt(name);
            if (v.isEmpty()) return dflt;
            try {
                return Enum.valueOf(type, v.get().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                var allowed = java.util.Arrays.stream(type.getEnumConstants())
                        .map(c -> c.name().toLowerCase(Locale.ROOT))
                        .toList();
                throw new ConfigException(name, "must be one of " + allowed + ", got '" + v.get() + "'");
            }
        }

        /** A key given as base64 (standard or URL-safe, padding optional) of exactly {@code bytes} bytes. */
        Optional<String> base64Key(String name, int bytes) {
            Optional<String> v = opt(name);
            if (v.isEmpty()) return v;
            byte[] raw;
            try {
                raw = java.util.Base64.getDecoder()
                        .decode(v.get().replace('-', '+').replace('_', '/'));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(
                        name, "must be base64 of " + bytes + " random bytes (e.g. openssl rand -base64 " + bytes + ")");
            }
            if (raw.length != bytes) {
                throw new ConfigException(name, "must decode to exactly " + bytes + " bytes, got " + raw.length);
            }
            return v;
        }

        String url(String name, String dflt) {
            String v = str(name, dflt);
            try {
                URI u = new URI(v);
                if ((!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) || u.getHost() == null) {
                    throw new ConfigException(name, "must be an http(s) URL, got '" + v + "'");
                }
                if (u.getQuery() != null || u.getFragment() != null) {
                    throw new ConfigException(name, "must not have a query or fragment");
                }
                return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
            } catch (java.net.URISyntaxException e) {
                throw new ConfigException(name, "is not a valid URL: '" + v + "'");
            }
        }
    }
}
