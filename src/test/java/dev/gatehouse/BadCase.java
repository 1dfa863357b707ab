package dev.gatehouse;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** One generated bad request and what its answer must satisfy; built fluently by {@link BadInputs}. */
final class BadCase {
    enum Auth {
        NONE,
        USER,
        ADMIN,
        /** the case carries its own Authorization or X-API-Key header */
        CUSTOM
    }

    /** One operation as /openapi.json describes it: properties by name with their schema type. */
    record Op(
            String method,
            String path,
            List<String> query,
            Map<String, String> props,
            Set<String> required,
            boolean hasBody,
            boolean bearer) {

        static Op of(String method, String path, JsonNode op, JsonNode doc) {
            var query = new ArrayList<String>();
            for (JsonNode p : op.path("parameters")) {
                if ("query".equals(p.path("in").asText()))
                    query.add(p.path("name").asText());
            }
            var props = new LinkedHashMap<String, String>();
            var required = new LinkedHashSet<String>();
            // JSON bodies only: a form endpoint's fields are sent as the form cases of BadInputs.
            JsonNode content = op.path("requestBody").path("content").path("application/json");
            if (!content.isEmpty()) {
                JsonNode schema = resolve(content.path("schema"), doc);
                schema.path("properties").properties().forEach(e -> props.put(e.getKey(), type(e.getValue(), doc)));
                schema.path("required").forEach(r -> required.add(r.asText()));
            }
            return new Op(
                    method.toUpperCase(Locale.ROOT),
                    path,
                    query,
                    props,
                    required,
                    !content.isEmpty(),
                    op.has("security"));
        }

        private static JsonNode resolve(JsonNode schema, JsonNode doc) {
            String ref = schema.path("$ref").asText("");
            return ref.isEmpty() ? schema : doc.at(ref.substring(1));
        }

        /** "string", "string:uuid", "boolean", "integer", "object", ... */
        private static String type(JsonNode schema, JsonNode doc) {
            JsonNode s = resolve(schema, doc);
            String type = s.path("type").asText("object");
            return type.equals("string") && s.has("format")
                    ? "string:" + s.path("format").asText()
                    : type;
        }
    }

    final String label;
    final Op op;
    String method;
    byte[] target;
    Auth auth = Auth.NONE;
    final List<String[]> headers = new ArrayList<>();
    byte[] body;
    boolean contentLength = true;
    boolean chunked;
    final Set<String> secrets = new LinkedHashSet<>();
    /** A 2xx or 3xx answer would mean the bad input was accepted. */
    boolean mustFail;
    /** The one right status once the request reaches its handler; 0 when several are right. */
    int expect;
    /** The field a 422 must name. */
    String field;

    BadCase(String label, Op op, byte[] target) {
        this.label = label;
        this.op = op;
        this.method = op.method();
        this.target = target;
    }

    BadCase method(String value) {
        this.method = value;
        return this;
    }

    BadCase auth(Auth value) {
        this.auth = value;
        return this;
    }

    BadCase header(String name, String value) {
        headers.removeIf(h -> h[0].equalsIgnoreCase(name) && name.equalsIgnoreCase("Content-Type"));
        headers.add(new String[] {name, value});
        return this;
    }

    BadCase json(byte[] value) {
        return header("Content-Type", "application/json").body(value);
    }

    BadCase body(byte[] value) {
        this.body = value;
        return this;
    }

    BadCase secrets(Collection<String> values) {
        secrets.addAll(values);
        return this;
    }

    BadCase mustFail(boolean value) {
        this.mustFail = value;
        return this;
    }

    BadCase expect(int status) {
        this.expect = status;
        return this;
    }

    BadCase field(String name) {
        this.field = name;
        return this;
    }

    BadCase withoutContentLength() {
        this.contentLength = false;
        return this;
    }

    BadCase chunked() {
        this.chunked = true;
        return this;
    }

    String describe() {
        return String.format(
                "%s %s [%s, auth %s]",
                printable(method), printable(new String(target, StandardCharsets.UTF_8)), printable(label), auth);
    }

    static String printable(String s) {
        var sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c)) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
            if (sb.length() > 80) return sb.append('…').toString();
        }
        return sb.toString();
    }
}
