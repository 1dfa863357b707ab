package dev.gatehouse.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket that puts exactly the given bytes on the wire, one request per connection. For the
 * requests java.net.http refuses to make: invalid bytes in the target or headers, CR/LF in a value, a body without
 * Content-Length, a chunked body, any method name.
 */
public final class RawHttp {
    private final String host;
    private final int port;

    public RawHttp(String base) {
        URI uri = URI.create(base);
        this.host = uri.getHost();
        this.port = uri.getPort();
    }

    public static final class Request {
        final String method;
        final byte[] target;
        final List<byte[]> headerLines = new ArrayList<>();
        byte[] body;
        boolean contentLength = true;
        boolean chunked;

        private Request(String method, byte[] target) {
            this.method = method;
            this.target = target;
        }

        /** Name and value go out as UTF-8, unchanged: a CR/LF in the value reaches the server as sent. */
        public Request header(String name, String value) {
            return headerBytes(name, value.getBytes(StandardCharsets.UTF_8));
        }

        public Request headerBytes(String name, byte[] value) {
            var line = new ByteArrayOutputStream();
            line.writeBytes((name + ": ").getBytes(StandardCharsets.UTF_8));
            line.writeBytes(value);
            headerLines.add(line.toByteArray());
            return this;
        }

        public Request body(byte[] bytes) {
            this.body = bytes;
            return this;
        }

        /** Sends the body bytes without announcing their length. */
        public Request withoutContentLength() {
            this.contentLength = false;
            return this;
        }

        /** Sends the body with Transfer-Encoding: chunked instead of Content-Length. */
        public Request chunked() {
            this.chunked = true;
            return this;
        }

        public String method() {
            return method;
        }
    }

    /**
     * A response; {@code status} is -1 when the server closed the connection without answering. A class rather than a
     * record: a record with an array component promises a value equality it does not keep.
     */
    public static final class Response {
        private final int status;
        private final Map<String, List<String>> headers;
        private final byte[] bytes;

        Response(int status, Map<String, List<String>> headers, byte[] bytes) {
            this.status = status;
            this.headers = headers;
            this.bytes = bytes;
        }

        public int status() {
            return status;
        }

        /** Names in lower case. */
        public Map<String, List<String>> headers() {
            return headers;
        }

        /** The body as received (dechunked). */
        public byte[] bytes() {
            return bytes;
        }

        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        public String body() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /**
         * The headers (names in any case, repeated values joined by commas) without the ones that differ between
         * equal answers: the date and the per-request id. For comparing two paths that must answer alike.
         */
        public Map<String, String> comparableHeaders() {
            var m = new java.util.TreeMap<String, String>(String.CASE_INSENSITIVE_ORDER);
            headers.forEach((k, v) -> {
                if (k != null && !k.equalsIgnoreCase("Date") && !k.equalsIgnoreCase("X-Request-Id"))
                    m.put(k, String.join(",", v));
            });
            return m;
        }

        @Override
        public String toString() {
            return "Response[status=" + status + ", headers=" + headers + ", " + bytes.length + " bytes]";
        }
    }

    public static Request request(String method, String target) {
        return new Request(method, target.getBytes(StandardCharsets.UTF_8));
    }

    public static Request request(String method, byte[] target) {
        return new Request(method, target);
    }

    public Response send(Request r) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(20_000);
            byte[] head = head(r);
            OutputStream out = socket.getOutputStream();
            // Big bodies are written alongside reading: the server may answer (413) and close before taking them all.
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(head);
                    if (r.body != null) writeBody(out, r);
                    out.flush();
                } catch (IOException ignored) {
                    // the server stopped reading; its answer, if any, is on the input side
                }
            });
            byte[] raw = readAll(socket.getInputStream());
            writer.join(5_000);
            return parse(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private byte[] head(Request r) {
        var b = new ByteArrayOutputStream();
        b.writeBytes(r.method.getBytes(StandardCharsets.UTF_8));
        b.write(' ');
        b.writeBytes(r.target);
        b.writeBytes(" HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(("Host: " + host + ":" + port + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] line : r.headerLines) {
            b.writeBytes(line);
            b.writeBytes(new byte[] {'\r', '\n'});
        }
        if (r.body != null && r.chunked) {
            b.writeBytes("Transfer-Encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII));
        } else if (r.body != null && r.contentLength) {
            b.writeBytes(("Content-Length: " + r.body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        b.writeBytes("Connection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    private static void writeBody(OutputStream out, Request r) throws IOException {
        if (!r.chunked) {
            out.write(r.body);
            return;
        }
        for (int off = 0; off < r.body.length; off += 16_384) {
            int n = Math.min(16_384, r.body.length - off);
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(r.body, off, n);
            out.write(new byte[] {'\r', '\n'});
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] readAll(InputStream in) throws IOException {
        var b = new ByteArrayOutputStream();
        byte[] buf = new byte[16_384];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) b.write(buf, 0, n);
        } catch (java.net.SocketException e) {
            // a reset after the answer (the server refused the rest of a body) still leaves the answer readable
            if (b.size() == 0) throw e;
        }
        return b.toByteArray();
    }

    private static Response parse(byte[] raw) {
        int end = indexOf(raw, new byte[] {'\r', '\n', '\r', '\n'}, 0);
        if (end < 0) return new Response(-1, Map.of(), raw);
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n", -1);
        int status = Integer.parseInt(lines[0].split(" ", -1)[1]);
        var headers = new LinkedHashMap<String, List<String>>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) continue;
            headers.computeIfAbsent(
                            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        byte[] rest = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        List<String> te = headers.getOrDefault("transfer-encoding", List.of());
        if (te.stream().anyMatch(v -> v.equalsIgnoreCase("chunked"))) rest = dechunk(rest);
        return new Response(status, headers, rest);
    }

    private static byte[] dechunk(byte[] in) {
        var out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < in.length) {
            int eol = indexOf(in, new byte[] {'\r', '\n'}, pos);
            if (eol < 0) break;
            String size = new String(in, pos, eol - pos, StandardCharsets.US_ASCII).split(";", -1)[0].trim();
            int n = Integer.parseInt(size, 16);
            if (n == 0) break;
            out.write(in, eol + 2, Math.min(n, in.length - eol - 2));
            pos = eol + 2 + n + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
