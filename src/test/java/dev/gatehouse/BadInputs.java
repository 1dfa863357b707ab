package dev.gatehouse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.BadCase.Auth;
import dev.gatehouse.BadCase.Op;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Generates bad requests for the operations of a live OpenAPI document: broken JSON, wrong shapes and types, hostile
 * strings and bytes, odd media types, oversize bodies, garbage path and query parameters, hostile headers and methods.
 * Every random choice comes from one seeded {@link Random}, so a seed reproduces a run.
 *
 * <p>A case that must fail carries a fresh email address, so that storing it would show; a case that may succeed
 * (an odd header on an otherwise fine call) carries the address of an existing account, so it stores nothing new.
 */
final class BadInputs {
    static final int MAX_BODY = 1024 * 1024;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    // Escaped ones parse into strings the validator must refuse; raw ones (tab, BEL) break the JSON itself.
    private static final List<String> CONTROL = List.of(
            "\\u0000", "\\u0007", "\\u001b", "\\u2028", "\\u2029", "\\u0085", "\\u007f", "\\ud800", "\\udfff", "\u0007",
            "\t");
    private static final List<byte[]> INVALID_UTF8 = List.of(
            new byte[] {(byte) 0xC3, 0x28},
            new byte[] {(byte) 0xFF},
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // an encoded surrogate
            new byte[] {(byte) 0xC0, (byte) 0xAF}, // an overlong '/'
            new byte[] {(byte) 0x80},
            new byte[] {(byte) 0xE2, (byte) 0x82},
            new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80});
    private static final List<String> BAD_EMAILS = List.of(
            "plainaddress",
            "@example.com",
            "a@",
            "a@b",
            "a@@example.com",
            "a b@example.com",
            "a@exa mple.com",
            "a@-example.com",
            "a@example..com",
            "\"q\"@example.com",
            "üser@example.com",
            "a@example.com,b@example.com",
            "<a@example.com>",
            "a@[127.0.0.1]",
            "a@" + "x".repeat(64) + ".com",
            "x".repeat(300) + "@example.com",
            " ",
            "");
    private static final List<String> MALFORMED = List.of(
            "{",
            "{\"",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":\"x\"",
            "{\"a\":1,}",
            "{'a':1}",
            "{a:1}",
            "{\"a\":1}}",
            "{}{}",
            "{\"a\":1} x",
            "nul",
            "tru",
            "\"open",
            "{\"a\":\"\\u12\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":01}",
            "{\"a\":NaN}",
            "{\"a\":Infinity}",
            "/*c*/{}",
            "{\"a\":1 /*c*/}",
            "[".repeat(1000),
            "{\"a\":[}",
            ",",
            "\u0000",
            "[".repeat(1000) + "]".repeat(1000),
            "{\"a\":".repeat(1000) + "1" + "}".repeat(1000));
    private static final List<String> NOT_OBJECTS =
            List.of("[]", "[{}]", "\"text\"", "123", "-1.5e300", "null", "true", "false", "\"\"", "0", "[null]");
    private static final List<String> REFUSED_TYPES = List.of(
            "text/plain",
            "text/plain; charset=utf-8",
            "application/xml",
            "text/xml",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "application/jsonx",
            "application/json-patch+json",
            "application/merge-patch+json",
            "json",
            "application/",
            "*/*",
            "application/*",
            "",
            "application/json, text/plain",
            "text/json",
            "application/javascript");
    private static final List<String> ODD_JSON_TYPES = List.of(
            "APPLICATION/JSON",
            "application/json;charset=UTF-8",
            "application/json; charset=\"utf-8\"",
            "application/json ; charset=utf-16",
            "application/json; charset=iso-8859-1",
            "application/json; charset=bogus-42",
            "application/json; charset=",
            "application/json;;;",
            "application/json; boundary=x",
            "Application/Json; Charset=UTF-32");
    static final List<byte[]> PATH_GARBAGE = List.of(
            bytes("../x"),
            bytes("..%2Fx"),
            bytes("%2e%2e"),
            bytes("%00"),
            bytes("%"),
            bytes("%zz"),
            bytes("%C3%28"),
            bytes("%FF"),
            bytes("a".repeat(5000)),
            bytes("null"),
            bytes("%20"),
            bytes(";x=y"),
            bytes("%3F"),
            bytes("é"),
            new byte[] {(byte) 0xFF},
            bytes("%u0041"),
            bytes("\\"),
            bytes("..;"),
            bytes("%252e%252e"),
            bytes("{id}"),
            bytes("00000000-0000-0000-0000-000000000000"),
            bytes("%0d%0aX-Injected:%201"),
            bytes("x%2F..%2F..%2Fetc%2Fpasswd"));

    private static final List<String> METHODS = List.of(
            "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "FOO", "get", "CONNECT", "PROPFIND");

    private final Random random;
    private final String existingEmail;

    BadInputs(Random random, String existingEmail) {
        this.random = random;
        this.existingEmail = existingEmail;
    }

    /** A JSON object under construction: ordered raw members, so duplicates and non-JSON values can be spliced in. */
    private final class Body {
        final List<String[]> members = new ArrayList<>();
        final Set<String> secrets = new LinkedHashSet<>();
        byte[] splice; // raw bytes put where "@@SPLICE@@" stands

        Body(Op op, boolean mustFail) {
            op.props().forEach((name, type) -> members.add(new String[] {name, baseline(name, type, mustFail)}));
        }

        private String baseline(String name, String type, boolean mustFail) {
            if (type.equals("boolean")) return "false";
            if (type.equals("integer") || type.equals("number")) return "1";
            if (type.equals("string:uuid")) return quote(UUID.randomUUID().toString());
            if (!type.startsWith("string")) return type.equals("array") ? "[]" : "{}";
            if (name.contains("email")) {
                return quote(mustFail ? "fuzz-" + UUID.randomUUID() + "@example.com" : existingEmail);
            }
            if (name.contains("password") || name.contains("token") || name.contains("secret")) {
                String secret = "Sx-" + alnum(20) + "-Lamp-Quartz";
                secrets.add(secret);
                return quote(secret);
            }
            return quote("Fuzz");
        }

        Body set(String name, String raw) {
            for (String[] m : members) if (m[0].equals(name)) m[1] = raw;
            return this;
        }

        String get(String name) {
            return members.stream().filter(m -> m[0].equals(name)).findFirst().orElseThrow()[1];
        }

        String text() {
            var sb = new StringBuilder("{");
            for (String[] m : members) {
                if (sb.length() > 1) sb.append(',');
                sb.append(quote(m[0])).append(':').append(m[1]);
            }
            return sb.append('}').toString();
        }

        byte[] bytes() {
            byte[] text = BadInputs.bytes(text());
            int at = new String(text, StandardCharsets.ISO_8859_1).indexOf("@@SPLICE@@");
            if (splice == null || at < 0) return text;
            var out = new ByteArrayOutputStream();
            out.write(text, 0, at);
            out.writeBytes(splice);
            out.write(text, at + 10, text.length - at - 10);
            return out.toByteArray();
        }
    }

    // ---- all cases of one operation

    List<BadCase> forOperation(Op op, int randomCases) {
        var out = new ArrayList<BadCase>();
        String target = fill(op.path());
        if (op.hasBody()) bodyCases(op, target, out);
        else {
            // bodies nobody asked for: ignored or refused, never a crash
            out.add(bodyCase("unwanted malformed body", op, target, "{\"a\":"));
            out.add(bodyCase("unwanted xml body", op, target, "<a/>").header("Content-Type", "application/xml"));
        }
        out.add(oversize(op, target, false));
        if (op.hasBody()) out.add(oversize(op, target, true));
        // a form naming a charset Jetty does not know (it threw on it, a 500, until 2026-12-07); a JSON body's
        // charset means nothing (RFC 8259 §11) and is ignored (BadInputRegressionTest)
        if (!op.hasBody()) {
            for (String charset : new String[] {"bogus", "\"x y\""}) {
                out.add(bodyCase("form with unknown charset " + charset, op, target, "a=b")
                        .header("Content-Type", "application/x-www-form-urlencoded; charset=" + charset)
                        .mustFail(true)
                        .expect(415));
            }
        }
        headerCases(op, target, out);
        queryCases(op, target, out);
        if (op.path().contains("{")) {
            for (byte[] garbage : PATH_GARBAGE) {
                BadCase c = new BadCase(
                        "path param " + new String(garbage, StandardCharsets.UTF_8), op, withParam(op, garbage));
                out.add(c.auth(anyAuth()).body(op.hasBody() ? new Body(op, false).bytes() : null));
            }
        }
        for (int i = 0; i < randomCases; i++) out.add(randomCase(op, target));
        return out;
    }

    private void bodyCases(Op op, String target, List<BadCase> out) {
        for (String m : MALFORMED)
            out.add(bodyCase("malformed " + m, op, target, m).mustFail(true).expect(400));
        String full = new Body(op, true).text();
        for (int i = 0; i < 3; i++) {
            String cut = full.substring(0, 1 + random.nextInt(full.length() - 2));
            out.add(bodyCase("truncated", op, target, cut).mustFail(true).expect(400));
        }
        for (String n : NOT_OBJECTS)
            out.add(bodyCase("not an object " + n, op, target, n).mustFail(true).expect(400));
        for (String field : op.props().keySet()) fieldCases(op, target, field, out);
        boolean anyRequired = !op.required().isEmpty();
        out.add(bodyCase("all fields missing", op, target, "{}").mustFail(anyRequired));
        for (String field : op.props().keySet()) {
            boolean required = op.required().contains(field);
            Body b = new Body(op, required);
            if (random.nextBoolean()) b.set(field, "null");
            else b.members.removeIf(m -> m[0].equals(field));
            out.add(bodyCase("missing " + field, op, target, b)
                    .mustFail(required)
                    .field(required ? field : null));
        }
        out.add(bodyCase("empty body", op, target, "").mustFail(anyRequired));
        out.add(bodyCase("body without Content-Length", op, target, new Body(op, false))
                .withoutContentLength()
                .mustFail(anyRequired));
        for (String type : REFUSED_TYPES) {
            out.add(bodyCase("content type " + type, op, target, new Body(op, true))
                    .header("Content-Type", type)
                    .mustFail(true)
                    .expect(415));
        }
        var untyped = bodyCase("no content type", op, target, new Body(op, true));
        untyped.headers.clear();
        out.add(untyped.mustFail(true).expect(415));
        for (String type : ODD_JSON_TYPES) {
            // an acceptable but odd media type must not change how a bad body is judged
            BadCase bad = randomFieldCase(op, target);
            out.add(bodyCase("charset oddity " + type + " + " + bad.label, op, target, "")
                    .body(bad.body)
                    .header("Content-Type", type)
                    .secrets(bad.secrets)
                    .mustFail(true));
        }
    }

    private void fieldCases(Op op, String target, String field, List<BadCase> out) {
        String type = op.props().get(field);
        List<String> wrong = switch (type.split(":", -1)[0]) {
            case "string" -> List.of("12", "-1", "1.5", "true", "false", "{}", "{\"a\":\"b\"}", "[]", "[\"x\"]");
            case "boolean" -> List.of("\"true\"", "\"yes\"", "1", "0", "{}", "[]", "[true]", "\"\"");
            case "integer" -> List.of("\"1\"", "true", "{}", "[]", "\"\"", "1.5", "1e2");
            case "number" -> List.of("\"1\"", "true", "{}", "[]", "\"\"");
            default -> List.of("12", "true", "\"x\"");
        };
        for (String w : wrong)
            out.add(fieldCase("wrong type " + w, op, target, field, w).expect(422));
        for (String n : List.of("1e999", "-1e999", "123456789012345678901234567890", "9".repeat(5000), "1e-999")) {
            // Well-formed numbers an integer field cannot hold are that field's bad value (DESIGN.md section 4), not
            // broken JSON; only one past the parser's limit on number length (1000 digits) is.
            boolean fieldValue = type.equals("integer") && n.length() < 1000;
            out.add(fieldCase("huge number", op, target, field, n).expect(fieldValue ? 422 : 0));
        }
        out.add(fieldCase("deep value", op, target, field, "[".repeat(1000) + "]".repeat(1000)));
        // RFC 8259 leaves repeated names undefined: refused, whichever copy is the bad one
        String bad = type.startsWith("string") ? "12" : "\"x\"";
        for (String[] pair : List.of(new String[] {null, null}, new String[] {bad, null}, new String[] {null, bad})) {
            Body b = new Body(op, true);
            String value = b.get(field);
            String first = pair[0] == null ? value : pair[0];
            String second = pair[1] == null ? value : pair[1];
            b.set(field, first + "," + quote(field) + ":" + second);
            out.add(bodyCase("duplicate key " + field, op, target, b).mustFail(true));
        }
        if (!type.startsWith("string")) return;
        String pre = field.contains("email") ? "x" : "";
        String post = field.contains("email") ? "@example.com" : "";
        out.add(fieldCase("overlong 10k", op, target, field, quote(pre + "a".repeat(10_000) + post))
                .expect(422));
        out.add(fieldCase("overlong 70k", op, target, field, quote("a".repeat(70_000))));
        for (String c : CONTROL) {
            String value = "\"" + pre + "a" + c + "b" + post + "\"";
            out.add(fieldCase("control " + c, op, target, field, value).expect(c.startsWith("\\") ? 422 : 400));
        }
        for (byte[] invalid : INVALID_UTF8) {
            Body b = new Body(op, true).set(field, "\"" + pre + "a@@SPLICE@@" + post + "\"");
            b.splice = invalid;
            out.add(bodyCase("invalid UTF-8 in " + field, op, target, b)
                    .mustFail(true)
                    .expect(400));
        }
        if (field.contains("email")) {
            for (String e : BAD_EMAILS)
                out.add(fieldCase("invalid email " + e, op, target, field, quote(e))
                        .expect(422));
        }
    }

    /** A body whose one field is bad; a 422 must name that field. */
    private BadCase fieldCase(String label, Op op, String target, String field, String raw) {
        return bodyCase(label + " in " + field, op, target, new Body(op, true).set(field, raw))
                .mustFail(true)
                .field(field);
    }

    private BadCase randomFieldCase(Op op, String target) {
        var all = new ArrayList<BadCase>();
        List<String> fields = new ArrayList<>(op.props().keySet());
        if (fields.isEmpty()) return bodyCase("malformed", op, target, "{").mustFail(true);
        fieldCases(op, target, fields.get(random.nextInt(fields.size())), all);
        return all.get(random.nextInt(all.size()));
    }

    private BadCase oversize(Op op, String target, boolean chunked) {
        String head = "{\"" + op.props().keySet().stream().findFirst().orElse("a") + "\":\"";
        int n = MAX_BODY + (chunked ? 4096 : 1) - head.length() - 2;
        BadCase c = bodyCase(chunked ? "oversize chunked" : "oversize", op, target, head + "a".repeat(n) + "\"}");
        // an announced length is refused up front on every route; a chunked body when the route reads it
        if (chunked) return c.chunked().mustFail(true).expect(413);
        return c.mustFail(true).expect(413);
    }

    // ---- headers: credentials, ids, framing

    private void headerCases(Op op, String target, List<BadCase> out) {
        for (String a : List.of(
                "Bearer",
                "Bearer ",
                "Bearer    ",
                "Bearer garbage-" + alnum(24),
                "Bearer a.b.c",
                "Bearer ..",
                "Bearer " + "A".repeat(7000),
                "Bearer " + "A".repeat(20_000),
                "Bearer {{user.none}}",
                "Bearer {{admin.none}}",
                "Bearer {{user.tampered}}",
                "Bearer {{user.nosig}}",
                "Bearer {{user.kid}}",
                "Bearer {{user}} extra",
                "Bearer {{user}},Bearer {{admin}}",
                "Basic dXNlcjpwYXNz",
                "Basic JXo6eA==", // "%z:x": not form-urlencoded (RFC 6749 §2.3.1)
                "Basic JTp4", // "%:x"
                "Negotiate abc",
                "Bearer ünïcödé",
                "Bearer !!!.@@@.###",
                "Bearer eyJhbGciOiJub25lIn0.e30.",
                "Bearer e30.e30.e30",
                "Bearer \u0007",
                "bEaReR {{user}}",
                "Bearer {{user}}\r\nX-Injected: 1")) {
            BadCase c = headerCase("authorization " + a, op, target, "Authorization", a)
                    .auth(Auth.CUSTOM);
            if (a.startsWith("Bearer garbage-")) c.secrets(List.of(a.substring(7)));
            out.add(c.mustFail(op.bearer() && !a.contains("{{user}}") && !a.contains("{{admin}}")));
        }
        for (String k : List.of("", "garbage", "k".repeat(5000), "{{user}}", "gk_" + alnum(30))) {
            BadCase c = headerCase("api key " + k, op, target, "X-API-Key", k).auth(Auth.CUSTOM);
            out.add(c.secrets(k.startsWith("gk_") ? List.of(k) : List.of()).mustFail(op.bearer() && !k.contains("{{")));
        }
        Auth valid = op.bearer() ? Auth.ADMIN : Auth.NONE;
        var headers = new ArrayList<String[]>();
        for (String d : List.of(
                "",
                "short",
                "d".repeat(5000),
                "../../etc/passwd",
                "<script>",
                "a\u0007b",
                "ünï-dévïcé",
                "%00%00%00%00",
                "a b c d e f g h")) {
            headers.add(new String[] {"X-Device-Id", d});
        }
        for (String r : List.of(
                "abc\r\nX-Injected: 1",
                "abc\rX-Injected: 1",
                "abc\nX-Injected: 1",
                "a b",
                "r".repeat(5000),
                "<script>",
                "%0d%0aSet-Cookie:%20x=1",
                "\u00ff\u00fe",
                "abc\r\n x")) {
            headers.add(new String[] {"X-Request-Id", r});
        }
        for (String c : List.of(
                "gh_device=" + "c".repeat(5000), "gh_device=\"open", ";;;;", "gh_device=<a>; gh_device=x", "=\u0001")) {
            headers.add(new String[] {"Cookie", c});
        }
        headers.addAll(List.of(
                new String[] {"User-Agent", "u".repeat(6000)},
                new String[] {"X-Forwarded-For", "not-an-ip, ::::, 999.1.1.1"},
                new String[] {"Accept", "application/xml"},
                new String[] {"Accept-Charset", "bogus-42"},
                new String[] {"Expect", "the-unexpected"},
                new String[] {"Host", "evil.example"},
                new String[] {"Garbage-Line-Without-Colon\r\nX-A", "1"},
                new String[] {"Bad Name", "1"},
                new String[] {"Content-Length", "abc"},
                new String[] {"Content-Length", "-1"},
                new String[] {"Content-Length", "99999999999999999999"},
                new String[] {"Transfer-Encoding", "gzip"},
                new String[] {"Transfer-Encoding", "identity"},
                new String[] {"Content-Encoding", "gzip"}));
        for (String[] h : headers)
            out.add(headerCase(h[0] + " " + h[1], op, target, h[0], h[1]).auth(valid));
        BadCase many = new BadCase("300 headers", op, bytes(target)).auth(valid);
        for (int i = 0; i < 300; i++) many.header("X-Many-" + i, "v".repeat(40));
        out.add(many);
    }

    /** A call that would otherwise be fine (known email), with one odd header. */
    private BadCase headerCase(String label, Op op, String target, String name, String value) {
        BadCase c = new BadCase(label, op, bytes(target));
        if (op.hasBody()) {
            Body b = new Body(op, false);
            c.json(b.bytes()).secrets(b.secrets);
        } else if (op.method().equals("POST") && op.path().startsWith("/oauth2/") && !name.equals("Content-Type")) {
            // The OAuth form endpoints: a well-formed form, so the header under test reaches client authentication
            // (a malformed Basic header once answered 500 there, unseen while these cases carried no body).
            c.body(bytes("grant_type=client_credentials&token=x&client_id=x"))
                    .header("Content-Type", "application/x-www-form-urlencoded");
        }
        return c.header(name, value);
    }

    // ---- query parameters

    private void queryCases(Op op, String target, List<BadCase> out) {
        Auth auth = op.bearer() ? Auth.ADMIN : Auth.NONE;
        Map<String, List<String>> invalid = Map.of(
                "limit", List.of("-1", "0", "abc", "1e9", "99999999999999999999", "101", "1.5", "0x10", "%00"),
                "offset", List.of("-5", "1e9", "2147483648", "abc", "1000001"),
                "user_id", List.of("notauuid", "%00", "u".repeat(5000), "00000000-0000-0000-0000-00000000000g"));
        List<String> odd = List.of(
                "", "%E2%80%A8", "e".repeat(5000), "%C3%28", "%FF", "%zz", "%", "%%", "é", "a%0d%0aX-Injected:%201");
        for (String q : op.query()) {
            for (String v : invalid.getOrDefault(q, List.of())) {
                out.add(queryCase(q + "=" + v, op, target)
                        .auth(auth)
                        .mustFail(true)
                        .expect(422)
                        .field(q));
            }
            for (String v : odd) out.add(queryCase(q + "=" + v, op, target).auth(auth));
        }
        for (String raw : List.of(
                "limit=1&limit=abc",
                "&&&==",
                "=x",
                "%zz=1",
                "a=%",
                "limit",
                "offset=5&offset=-1",
                "x=" + "y".repeat(6000))) {
            out.add(queryCase(raw, op, target).auth(auth));
        }
        BadCase rawByte =
                new BadCase("query raw 0xFF", op, concat(bytes(target + "?limit="), new byte[] {(byte) 0xFF}));
        out.add(rawByte.auth(auth));
    }

    private static BadCase queryCase(String query, Op op, String target) {
        return new BadCase("query " + query, op, bytes(target + "?" + query));
    }

    // ---- methods and path shapes a path does not declare

    /** Methods no route declares for this path, path suffixes, case changes; {@code all} are every declared route. */
    List<BadCase> forPath(String path, List<Op> all) {
        Op any = all.stream().filter(o -> o.path().equals(path)).findFirst().orElseThrow();
        var out = new ArrayList<BadCase>();
        String target = fill(path);
        for (String m : METHODS) {
            // another template may take this path with this method (DELETE /v1/sessions/{id} takes .../history)
            String concrete = target;
            boolean routed = all.stream()
                    .anyMatch(o -> (o.method().equals(m)
                                    || (m.equals("HEAD") && o.method().equals("GET")))
                            && concrete.matches(o.path().replaceAll("\\{[^}]+}", "[^/]+")));
            if (routed) continue;
            BadCase c = new BadCase("method " + m, any, bytes(target)).method(m).auth(anyAuth());
            // RFC 9110 §15.5.6: a path that exists answers another standard method with 405
            boolean standard = List.of("GET", "POST", "PUT", "PATCH", "DELETE").contains(m);
            out.add(c.json(bytes("{}")).mustFail(true).expect(standard ? 405 : 0));
        }
        for (String suffix :
                List.of("/", "//", "/x", "%00", "/..%2f", ";jsessionid=x", "/%2e%2e/%2e%2e/etc/passwd", "?")) {
            out.add(new BadCase("path suffix " + suffix, any, bytes(target + suffix)));
        }
        out.add(new BadCase("upper-case path", any, bytes(target.toUpperCase(Locale.ROOT))));
        return out;
    }

    // ---- random combinations: a bad body or none, any caller, up to two odd headers, garbage parameters

    private BadCase randomCase(Op op, String target) {
        BadCase base = op.hasBody() ? randomFieldCase(op, target) : new BadCase("plain", op, bytes(target));
        BadCase c = new BadCase("random: " + base.label, op, base.target).auth(anyAuth());
        c.headers.addAll(base.headers);
        c.body(base.body).secrets(base.secrets).mustFail(base.mustFail);
        for (int i = random.nextInt(3); i > 0; i--) {
            var extra = new ArrayList<BadCase>();
            headerCases(op, target, extra);
            BadCase h = extra.get(random.nextInt(extra.size()));
            if (h.headers.size() > 2) continue;
            String[] odd = h.headers.get(h.headers.size() - 1);
            c.header(odd[0], odd[1]).secrets(h.secrets);
            if (odd[0].equals("Authorization") || odd[0].equals("X-API-Key")) c.auth(Auth.CUSTOM);
        }
        if (op.path().contains("{") && random.nextBoolean()) {
            c.target = withParam(op, PATH_GARBAGE.get(random.nextInt(PATH_GARBAGE.size())));
        }
        if (!op.query().isEmpty() && random.nextBoolean()) {
            String q = op.query().get(random.nextInt(op.query().size()));
            String v = List.of("-1", "abc", "1e9", "%00", "notauuid", "%zz").get(random.nextInt(6));
            c.target = concat(c.target, bytes("?" + q + "=" + v));
        }
        return c;
    }

    // ---- helpers

    private BadCase bodyCase(String label, Op op, String target, String text) {
        return new BadCase(label, op, bytes(target))
                .auth(op.bearer() ? Auth.ADMIN : Auth.NONE)
                .json(bytes(text));
    }

    private BadCase bodyCase(String label, Op op, String target, Body b) {
        return bodyCase(label, op, target, "").body(b.bytes()).secrets(b.secrets);
    }

    private Auth anyAuth() {
        return List.of(Auth.NONE, Auth.USER, Auth.ADMIN).get(random.nextInt(3));
    }

    private static String fill(String path) {
        return path.replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
    }

    private static byte[] withParam(Op op, byte[] value) {
        String p = op.path();
        return concat(bytes(p.substring(0, p.indexOf('{'))), value, bytes(fill(p.substring(p.indexOf('}') + 1))));
    }

    private String alnum(int n) {
        String abc = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
        var sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(abc.charAt(random.nextInt(abc.length())));
        return sb.toString();
    }

    static String quote(String s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
