package dev.gatehouse.platform.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP front: Javalin on Jetty with virtual threads, plus what every request gets — a request id, security
 * headers, a size limit, RFC 9457 errors, latency metrics by route and an access log (off by default, ADR 0015);
 * public documents and form endpoints answered on a fast path ({@link FastPath}).
 */
public final class HttpServer {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    private static final Logger access = LoggerFactory.getLogger("gatehouse.access");
    public static final long MAX_BODY_BYTES = 1024 * 1024;

    private final Javalin app;
    private final List<Operation> operations;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();
    private final MeterRegistry metrics;
    private final ObjectMapper mapper;
    private final ProblemFormats formats;

    /** The labels of one request-latency timer: the route template (bounded), the method and the status. */
    private record TimerKey(String route, String method, int status) {}

    private volatile boolean draining;

    public HttpServer(
            String host,
            int port,
            String issuer,
            ObjectMapper mapper,
            MeterRegistry metrics,
            List<RouteGroup> groups,
            ClientAddress clients) {
        this.metrics = metrics;
        this.mapper = mapper;
        this.formats = new ProblemFormats(issuer);
        boolean https = issuer.startsWith("https:");
        Api[] api = new Api[1];
        Map<String, Supplier<PublicDocument>> documents = new ConcurrentHashMap<>();
        Map<String, FormEndpoint> forms = new ConcurrentHashMap<>();
        Map<String, FormEndpoint> reads = new ConcurrentHashMap<>();
        FastPath.Served served = new FastPath.Served() {
            @Override
            public void started() {
                inFlight.incrementAndGet();
            }

            @Override
            public void finished(String route, String method, int status, long nanos, String ip, String requestId) {
                logServed(route, method, status, nanos, route, ip, requestId); // the fast path's routes are exact
                inFlight.decrementAndGet();
            }
        };
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = MAX_BODY_BYTES;
            config.http.defaultContentType = "application/json";
            config.http.prefer405over404 = true; // RFC 9110 §15.5.6: a known path with another method is 405
            config.router.ignoreTrailingSlashes = true;
            config.jsonMapper(new JavalinJackson(mapper, true));
            config.jetty.host = host;
            config.jetty.port = port;
            config.jetty.modifyServer(server -> {
                server.setStopAtShutdown(false);
                server.setErrorHandler(new ProblemErrorHandler(mapper, formats));
                // Javalin mounts its servlet context inside this wrapper: documents and forms are answered before it.
                server.setHandler(new FastPath(
                        List.of(
                                new DocumentRoute(documents, https, served),
                                new FormRoute(forms, reads, https, served, mapper, formats)),
                        clients));
            });

            config.routes.before(ctx -> {
                String rid = requestId(ctx.header("X-Request-Id"));
                inFlight.incrementAndGet();
                ctx.attribute("requestId", rid);
                ctx.attribute(Web.HTTPS, https);
                ctx.attribute("startNanos", System.nanoTime());
                MDC.put("request_id", rid);
                ctx.header("X-Request-Id", rid);
                securityHeaders(ctx::header, https);
                // Javalin decodes path parameters with URLDecoder, which throws on a stray '%' (say "%u0041").
                if (!wellFormedEscapes(ctx.req().getRequestURI())) {
                    throw Problem.badRequest("malformed_uri", "The request path has a malformed percent-encoding");
                }
                // Jetty throws on a charset it does not know as soon as anything asks for the body's form (or its
                // parsed type). JSON has no charset parameter (RFC 8259 §11), so its bodies are judged as they are.
                if (!knownCharset(ctx.header("Content-Type")) && !isJson(ctx.header("Content-Type"))) {
                    throw new Problem(
                            415,
                            "unsupported_charset",
                            "Unsupported Media Type",
                            "The Content-Type names a charset this server does not know",
                            null);
                }
                Long length = ctx.contentLength() >= 0 ? (long) ctx.contentLength() : null;
                if (length != null && length > MAX_BODY_BYTES) {
                    throw new Problem(
                            413, "payload_too_large", "Payload Too Large", "The body must be at most 1 MiB", null);
                }
            });

            config.routes.exception(Problem.class, (p, ctx) -> writeProblem(ctx, p));
            config.routes.exception(
                    HttpResponseException.class,
                    (e, ctx) -> writeProblem(ctx, ErrorAnswers.fromJavalin(e, ctx.path())));
            config.routes.exception(
                    Exception.class,
                    (e, ctx) -> writeProblem(
                            ctx,
                            ErrorAnswers.unexpected(e, ctx.method().name(), ctx.path(), ctx.attribute("requestId"))));
            config.routes.error(404, "*", ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) {
                    writeProblem(ctx, Problem.notFound("The resource " + ctx.path()));
                }
            });
            config.routes.error(
                    405,
                    "*",
                    ctx -> writeProblem(
                            ctx,
                            new Problem(
                                    405,
                                    "method_not_allowed",
                                    "Method Not Allowed",
                                    "This method is not allowed here",
                                    null)));

            config.requestLogger.http((ctx, ms) -> {
                // The route template, never the raw path (bounded label values); ctx.endpoint() would be the
                // wildcard before-handler when nothing matched.
                var matched = ctx.endpoints().matchedHttpEndpoint();
                String route = matched == null ? "unmatched" : matched.path;
                logServed(
                        route,
                        ctx.attribute(FastPath.HEAD) != null
                                ? "HEAD"
                                : ctx.method().name(),
                        ctx.statusCode(),
                        (long) (ms * 1_000_000),
                        ctx.path(),
                        ctx.ip(),
                        null);
                inFlight.decrementAndGet();
                MDC.remove("request_id");
            });

            api[0] = new Api(config.routes, documents, forms, reads, mapper, formats);
            for (RouteGroup g : groups) g.routes(api[0]);
        });
        this.operations = api[0].operations();
        Gauge.builder("gatehouse.http.in_flight", inFlight, AtomicInteger::get)
                .description("Requests being served now; shutdown waits for them")
                .register(metrics);
    }

    /**
     * The end of every request, on either path: the latency timer of its route template (bounded labels), and the
     * access log line when that log is on. {@code requestId} is put in the MDC for the line unless it is there
     * already (the Javalin path keeps it there for the whole request).
     */
    private void logServed(
            String route, String method, int status, long nanos, String path, String ip, String requestId) {
        // Registering a meter builds and sorts its id on every call: keep one Timer per label set instead.
        timers.computeIfAbsent(
                        new TimerKey(route, method, status),
                        k -> Timer.builder("http.server.requests")
                                .tag("route", k.route())
                                .tag("method", k.method())
                                .tag("status", Integer.toString(k.status()))
                                .publishPercentileHistogram()
                                .register(metrics))
                .record(nanos, TimeUnit.NANOSECONDS);
        if (access.isInfoEnabled()) {
            if (requestId != null) MDC.put("request_id", requestId);
            access.info("{} {} {} {}ms ip={}", method, path, status, tenths(nanos / 1e6), ip);
            if (requestId != null) MDC.remove("request_id");
        }
    }

    /** The caller's {@code X-Request-Id} when it is a sane one, else a new id. */
    static String requestId(String presented) {
        return presented != null && saneRequestId(presented) ? presented : newRequestId();
    }

    static boolean saneRequestId(String v) {
        int n = v.length();
        if (n == 0 || n > 128) return false;
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == ':'
                    || c == '-';
            if (!ok) return false;
        }
        return true;
    }

    /**
     * A random UUID-shaped id. A request id only has to be unique in the logs, not unguessable, so it comes from the
     * thread's fast generator rather than {@link UUID#randomUUID()}'s SecureRandom (a shared, locked source).
     */
    static String newRequestId() {
        var random = ThreadLocalRandom.current();
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new UUID(msb, lsb).toString();
    }

    /** {@code ms} with one decimal, like {@code %.1f} in the root locale, without a Formatter per request. */
    static String tenths(double ms) {
        long t = Math.round(ms * 10);
        if (t < 0) return String.format(java.util.Locale.ROOT, "%.1f", ms);
        return (t / 10) + "." + (t % 10);
    }

    private static boolean wellFormedEscapes(String path) {
        for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
            if (i + 2 >= path.length()
                    || Character.digit(path.charAt(i + 1), 16) < 0
                    || Character.digit(path.charAt(i + 2), 16) < 0) return false;
        }
        return true;
    }

    /** The headers every answer carries unless its route sets its own (pages set their CSP, documents caching). */
    static void securityHeaders(BiConsumer<String, String> put, boolean https) {
        put.accept("X-Content-Type-Options", "nosniff");
        put.accept("Referrer-Policy", "no-referrer");
        put.accept("X-Frame-Options", "DENY");
        put.accept("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        put.accept("Cache-Control", "no-store");
        if (https) put.accept("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    }

    /** {@code p} as the answer, in the format of the surface the path belongs to ({@link Api#problemsAs}). */
    private void writeProblem(Context ctx, Problem p) {
        if (p.status() >= 500) log.warn("Problem {} {}", p.status(), p.code());
        if (formats.isPage(ctx.path()) && wantsHtml(ctx.header("Accept"))) {
            p.headers().forEach(ctx::header);
            Html.send(
                    ctx, p.status(), ErrorAnswers.errorPage(Messages.of(ctx), p.status(), ctx.attribute("requestId")));
            return;
        }
        formats.answer(ctx.path(), p).send(ctx, mapper);
    }

    private static boolean isJson(String contentType) {
        String type = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return type.equals("application/json") || type.endsWith("+json");
    }

    /** Whether {@code contentType} names no charset, or one this JVM supports (quoted or not). */
    static boolean knownCharset(String contentType) {
        for (String name : charsets(contentType)) {
            try {
                if (!java.nio.charset.Charset.isSupported(name)) return false;
            } catch (java.nio.charset.IllegalCharsetNameException e) {
                return false;
            }
        }
        return true;
    }

    /** Every printable ASCII character, and the controls a form may hold ({@link FormEndpoint#asciiCompatible}). */
    static final String FORM_ASCII =
            "\t\n\r !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

    static final byte[] FORM_ASCII_BYTES = FORM_ASCII.getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The values of {@code contentType}'s {@code charset} parameters, unquoted, in order (none for null). */
    static java.util.List<String> charsets(String contentType) {
        if (contentType == null) return java.util.List.of();
        var names = new java.util.ArrayList<String>(1);
        for (String param : contentType.split(";", -1)) {
            int eq = param.indexOf('=');
            if (eq < 0 || !param.substring(0, eq).trim().equalsIgnoreCase("charset")) continue;
            String name = param.substring(eq + 1).trim();
            if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\""))
                name = name.substring(1, name.length() - 1);
            names.add(name);
        }
        return names;
    }

    /** A browser's request (navigation or form submission) asks for HTML; a page's script (fetch) does not. */
    static boolean wantsHtml(String accept) {
        return accept != null && accept.contains("text/html");
    }

    public void start() {
        app.start();
    }

    public int port() {
        return app.port();
    }

    /** Drains: waits up to {@code graceMillis} for in-flight requests to finish, then closes the server. */
    public void stop(long graceMillis) {
        draining = true;
        long deadline = System.currentTimeMillis() + graceMillis;
        while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        app.stop();
    }

    public boolean draining() {
        return draining;
    }

    public List<Operation> operations() {
        return operations;
    }

    /** Every HTTP route Javalin actually serves, as "METHOD /path", whether or not it was declared through {@link Api}. */
    public List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .map(p -> p.endpoint.method.name() + " " + p.endpoint.path)
                .toList();
    }
}
