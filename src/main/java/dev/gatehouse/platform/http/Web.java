package dev.gatehouse.platform.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.ratelimit.RateLimiter;
import io.javalin.http.Context;
import io.javalin.http.SameSite;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** What every route needs from a request: a parsed body, the caller, facts for audit; and JSON out. */
public final class Web {
    private static final String PRINCIPAL = "gatehouse.principal";
    private static final Pattern DEVICE_ID = Pattern.compile("^[A-Za-z0-9_-]{8,64}$");
    private static final Pattern DEVICE_TRUST = Pattern.compile("^[A-Za-z0-9_-]{16,100}$");
    /** The device cookie's name over plain HTTP; over HTTPS it is {@code __Host-gh_device} ({@link #deviceCookie}). */
    public static final String DEVICE_COOKIE = "gh_device";

    public static final String DEVICE_TRUST_COOKIE = "gh_device_trust";
    /** The request attribute saying whether the issuer is {@code https:} (set for every request by the server). */
    static final String HTTPS = "gatehouse.https";

    private final ObjectMapper mapper;
    private final List<Authenticator> authenticators;
    private final RateLimiter limiter;
    private final Counter limited;

    public Web(ObjectMapper mapper, List<Authenticator> authenticators, RateLimiter limiter, MeterRegistry metrics) {
        this.mapper = mapper;
        this.authenticators = List.copyOf(authenticators);
        this.limiter = limiter;
        this.limited = Counter.builder("gatehouse.rate_limited")
                .description("Calls refused by a rate limit")
                .register(metrics);
    }

    /**
     * Counts this call against {@code rule} for each key (the client's address is always one, an IPv6 address by its
     * /64: {@link ClientAddress#rateLimitKey}) and sets the X-RateLimit-* headers; 429 with Retry-After when a bucket is
     * empty.
     */
    public void limit(Context ctx, RateLimiter.Rule rule, String... accountKeys) {
        if (!limiter.enabled()) return; // GATEHOUSE_RATE_LIMITS=off: no limits, so no headers that promise one
        String[] keys = new String[accountKeys.length + 1];
        keys[0] = "ip:" + ClientAddress.rateLimitKey(ctx.ip());
        for (int i = 0; i < accountKeys.length; i++) keys[i + 1] = "acct:" + accountKeys[i];
        RateLimiter.Decision d = limiter.consume(rule, keys);
        ctx.header("X-RateLimit-Limit", Integer.toString(d.limit()));
        ctx.header("X-RateLimit-Remaining", Long.toString(d.remaining()));
        ctx.header("X-RateLimit-Reset", Long.toString(d.resetEpochSeconds()));
        if (!d.allowed()) {
            limited.increment();
            throw Problem.tooManyRequests(d.retryAfterSeconds());
        }
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Parses a JSON body; malformed JSON (or not UTF-8, RFC 8259 §8.1) is 400, wrong types and numbers out of a field's
     * range are 422 naming the field, other media 415.
     */
    public <T> T body(Context ctx, Class<T> type) {
        // The raw header: Jetty's parsed content type throws on an unknown charset parameter.
        String mediaType = Optional.ofNullable(ctx.header("Content-Type"))
                .map(v -> v.split(";", 2)[0].trim().toLowerCase(Locale.ROOT))
                .orElse("");
        if (!mediaType.equals("application/json")) {
            throw new Problem(
                    415, "unsupported_media_type", "Unsupported Media Type", "Send the body as application/json", null);
        }
        byte[] raw = ctx.bodyAsBytes();
        if (raw.length == 0) throw Problem.badRequest("body_required", "A JSON body is required");
        String text = utf8(raw).orElseThrow(() -> Problem.badRequest("malformed_json", "The body is not valid UTF-8"));
        try {
            T value = mapper.readValue(text, type);
            if (value == null) throw Problem.badRequest("body_required", "A JSON object is required");
            return value;
        } catch (JsonMappingException e) {
            String field = fieldPath(e);
            // A well-formed number too large for its field is a bad value of that field, not broken JSON.
            if (e.getCause() instanceof InputCoercionException && !field.isEmpty())
                throw Problem.invalidField(field, "is out of range");
            // Jackson reports broken syntax inside a field with that field's path; it is still broken JSON.
            if (e.getCause() instanceof JsonProcessingException) throw malformed(e.getCause());
            if (field.isEmpty()) throw Problem.badRequest("malformed_json", "The body must be a JSON object");
            throw Problem.invalidField(field, "has the wrong type or format");
        } catch (JsonProcessingException e) {
            throw malformed(e);
        }
    }

    /**
     * A JSON body's text (RFC 8259 §8.1), or empty if it is not UTF-8. Strict: Jackson alone, or {@code new String},
     * lets overlong forms and encoded surrogates through as ordinary characters, and turns bad bytes into U+FFFD.
     */
    public static Optional<String> utf8(byte[] raw) {
        try {
            return Optional.of(StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(raw))
                    .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static Problem malformed(Throwable e) {
        if (e instanceof StreamConstraintsException)
            return Problem.badRequest(
                    "malformed_json", "The body exceeds the limits on nesting, string or number size");
        if (e.getMessage() != null && e.getMessage().startsWith("Duplicate field"))
            return Problem.badRequest("malformed_json", "The body repeats a field");
        return Problem.badRequest("malformed_json", "The body is not valid JSON");
    }

    private static String fieldPath(JacksonException e) {
        if (!(e instanceof JsonMappingException m)) return "";
        return m.getPath().stream()
                .map(r -> r.getFieldName() != null
                        ? PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE.translate(r.getFieldName())
                        : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    public void json(Context ctx, int status, Object body) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(Json.write(mapper, body));
    }

    public void ok(Context ctx, Object body) {
        json(ctx, 200, body);
    }

    public RequestInfo info(Context ctx) {
        return requestInfo(ctx);
    }

    /** {@link #info(Context)} for the platform's own adapters, which hold no {@code Web}. */
    static RequestInfo requestInfo(Context ctx) {
        boolean https = https(ctx);
        return info(
                ctx.ip(),
                ctx.userAgent(),
                ctx.header("X-Device-Id"),
                () -> deviceCookie(https).read(ctx),
                ctx.header("X-Device-Trust"),
                () -> deviceTrustCookie(https).read(ctx),
                Optional.ofNullable(ctx.attribute("requestId"))
                        .map(Object::toString)
                        .orElse("-"),
                ctx.header("Accept-Language"));
    }

    /**
     * The cookie a browser keeps its device id in: {@code __Host-gh_device} over HTTPS (ADR 0023), so that a sibling
     * host of the same site cannot plant a device id, and only that name is read there.
     */
    public static HostCookie deviceCookie(boolean https) {
        return new HostCookie(DEVICE_COOKIE, https, SameSite.LAX);
    }

    /** The cookie a browser keeps its device's trust token in (ADR 0008); {@code __Host-} over HTTPS too. */
    public static HostCookie deviceTrustCookie(boolean https) {
        return new HostCookie(DEVICE_TRUST_COOKIE, https, SameSite.LAX);
    }

    /** Whether this request reached a server whose issuer is {@code https:}. */
    public static boolean https(Context ctx) {
        return Boolean.TRUE.equals(ctx.attribute(HTTPS));
    }

    /** The facts recorded about a caller, from the parts of the request; both HTTP paths build them here. */
    static RequestInfo info(
            String ip,
            String userAgent,
            String deviceHeader,
            java.util.function.Supplier<String> deviceCookie,
            String trustHeader,
            java.util.function.Supplier<String> trustCookie,
            String requestId,
            String acceptLanguage) {
        String ua = userAgent == null ? "" : userAgent;
        if (ua.length() > 512) ua = ua.substring(0, 512);
        return new RequestInfo(
                ip,
                ua,
                deviceId(deviceHeader, deviceCookie),
                requestId,
                acceptLanguage,
                matching(trustHeader, trustCookie, DEVICE_TRUST).map(Secrets::sha256));
    }

    /** The device id an API client sends back (X-Device-Id) or a browser holds as a cookie. */
    public Optional<String> deviceId(Context ctx) {
        return deviceId(
                ctx.header("X-Device-Id"), () -> deviceCookie(https(ctx)).read(ctx));
    }

    private static Optional<String> deviceId(String header, java.util.function.Supplier<String> cookie) {
        return matching(header, cookie, DEVICE_ID);
    }

    private static Optional<String> matching(
            String header, java.util.function.Supplier<String> cookie, Pattern pattern) {
        String v = header != null ? header : cookie.get();
        return v != null && pattern.matcher(v).matches() ? Optional.of(v) : Optional.empty();
    }

    public Optional<String> bearer(Context ctx) {
        String h = ctx.header("Authorization");
        if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = h.substring(7).trim();
            return token.isEmpty() ? Optional.empty() : Optional.of(token);
        }
        String key = ctx.header("X-API-Key");
        return key == null || key.isBlank() ? Optional.empty() : Optional.of(key.trim());
    }

    /** The authenticated caller; 401 problem without valid credentials. */
    public Principal principal(Context ctx) {
        Principal cached = ctx.attribute(PRINCIPAL);
        if (cached != null) return cached;
        String credential =
                bearer(ctx).orElseThrow(() -> Problem.unauthorized("This call needs a bearer access token"));
        for (Authenticator a : authenticators) {
            Optional<Principal> p = a.authenticate(credential);
            if (p.isPresent()) {
                ctx.attribute(PRINCIPAL, p.get());
                return p.get();
            }
        }
        throw Problem.invalidToken("The access token is invalid or expired");
    }

    /** The caller, who must hold {@code permission}; 403 otherwise. */
    public Principal require(Context ctx, String permission) {
        Principal p = principal(ctx);
        if (!p.can(permission)) throw Problem.forbidden("This call needs the '" + permission + "' permission");
        return p;
    }

    public int intQuery(Context ctx, String name, int dflt, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) throw Problem.invalidField(name, "must be between " + min + " and " + max);
            return n;
        } catch (NumberFormatException e) {
            throw Problem.invalidField(name, "must be a whole number");
        }
    }

    /** An optional {@code true} or {@code false} query parameter; 422 naming it for anything else. */
    public Optional<Boolean> booleanQuery(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return Optional.empty();
        return switch (v.strip()) {
            case "true" -> Optional.of(true);
            case "false" -> Optional.of(false);
            default -> throw Problem.invalidField(name, "must be true or false");
        };
    }

    public java.util.UUID uuidPath(Context ctx, String name) {
        try {
            return java.util.UUID.fromString(ctx.pathParam(name));
        } catch (IllegalArgumentException e) {
            throw Problem.notFound("The " + name.replace('_', ' '));
        }
    }

    public Optional<java.util.UUID> uuidQuery(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return Optional.empty();
        try {
            return Optional.of(java.util.UUID.fromString(v.trim()));
        } catch (IllegalArgumentException e) {
            throw Problem.invalidField(name, "must be a UUID");
        }
    }

    public static Map<String, Object> message(String text) {
        return Map.of("message", text);
    }
}
