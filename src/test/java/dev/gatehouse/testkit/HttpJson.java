package dev.gatehouse.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small JSON client over real HTTP (java.net.http) for end-to-end tests. */
public final class HttpJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final HttpClient client;
    private final String base;

    public HttpJson(String base) {
        this.base = base;
        this.client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * A client whose connections come from {@code localAddress} (any 127.x.y.z on Linux), so a test can act as many
     * client IPs, e.g. for per-IP rate limits.
     */
    public HttpJson(String base, java.net.InetAddress localAddress) {
        this.base = base;
        this.client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .localAddress(localAddress)
                .build();
    }

    /** A client of the same server calling from {@code 127.0.0.<n>}. */
    public HttpJson from(int loopbackHost) {
        try {
            return new HttpJson(base, java.net.InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) loopbackHost}));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public record Response(int status, HttpResponse<String> raw) {
        Response withStatus() {
            return new Response(raw.statusCode(), raw);
        }

        public JsonNode json() {
            try {
                return MAPPER.readTree(raw.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + raw.body(), e);
            }
        }

        public String body() {
            return raw.body();
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String text(String field) {
            JsonNode n = json().path(field);
            return n.isMissingNode() || n.isNull() ? null : n.asText();
        }
    }

    public final class Call {
        private final String method;
        private final String path;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String body;

        Call(String method, String path) {
            this.method = method;
            this.path = path;
        }

        public Call bearer(String token) {
            return header("Authorization", "Bearer " + token);
        }

        public Call header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Call json(Object value) {
            try {
                this.body = value instanceof String s ? s : MAPPER.writeValueAsString(value);
            } catch (IOException e) {
                throw new IllegalArgumentException(e);
            }
            headers.putIfAbsent("Content-Type", "application/json");
            return this;
        }

        public Call raw(String contentType, String text) {
            this.body = text;
            headers.put("Content-Type", contentType);
            return this;
        }

        public Response send() {
            var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
            headers.forEach(b::header);
            b.method(
                    method,
                    body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            try {
                return new Response(0, client.send(b.build(), HttpResponse.BodyHandlers.ofString())).withStatus();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    public Call get(String path) {
        return new Call("GET", path);
    }

    public Call post(String path) {
        return new Call("POST", path);
    }

    public Call put(String path) {
        return new Call("PUT", path);
    }

    public Call patch(String path) {
        return new Call("PATCH", path);
    }

    public Call delete(String path) {
        return new Call("DELETE", path);
    }

    public Call options(String path) {
        return new Call("OPTIONS", path);
    }

    public Response post(String path, Object body) {
        return post(path).json(body).send();
    }

    public static Map<String, Object> map(Object... kv) {
        var m = new LinkedHashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
