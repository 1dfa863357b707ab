package dev.gatehouse.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The local Redis for tests of shared rate limits (system property {@code gatehouse.test.redis.url}, default
 * {@code redis://127.0.0.1:6379}), and a few commands spoken in RESP over a plain socket, so that a test can look at
 * what Gatehouse stored without the client library Gatehouse uses. A missing Redis skips with a message locally and
 * fails under CI=true, as {@link TestDatabase} does for PostgreSQL.
 */
public final class TestRedis {
    public static final String URL = System.getProperty("gatehouse.test.redis.url", "redis://127.0.0.1:6379");

    private TestRedis() {}

    /** {@link #URL}, after checking that Redis answers PING. */
    public static String url() {
        try {
            String pong = command("PING").get(0);
            if (!"PONG".equals(pong)) throw new IOException("PING answered " + pong);
        } catch (IOException e) {
            Unreachable.skipOrFail("Redis at " + URL + " is unreachable: " + e.getMessage(), e);
        }
        return URL;
    }

    /** The keys matching {@code pattern} (SCAN, all of them). */
    public static List<String> keys(String pattern) throws IOException {
        var keys = new ArrayList<String>();
        String cursor = "0";
        do {
            List<String> page = command("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
            cursor = page.get(0);
            keys.addAll(page.subList(1, page.size()));
        } while (!"0".equals(cursor));
        return keys;
    }

    /** Seconds until {@code key} expires (-1: never, -2: no such key). */
    public static long ttl(String key) throws IOException {
        return Long.parseLong(command("TTL", key).get(0));
    }

    /**
     * Sends one command and returns its answer flattened: a simple string, integer or bulk string as one element, an
     * array (also nested, as SCAN's) element by element.
     */
    static List<String> command(String... args) throws IOException {
        URI uri = URI.create(URL);
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort() == -1 ? 6379 : uri.getPort()), 2000);
            socket.setSoTimeout(5000);
            var request = new StringBuilder("*").append(args.length).append("\r\n");
            for (String a : args) {
                request.append('$')
                        .append(a.getBytes(StandardCharsets.UTF_8).length)
                        .append("\r\n")
                        .append(a)
                        .append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            var answer = new ArrayList<String>();
            read(in, answer);
            return answer;
        }
    }

    private static void read(BufferedReader in, List<String> into) throws IOException {
        String line = in.readLine();
        if (line == null) throw new IOException("Redis closed the connection");
        switch (line.charAt(0)) {
            case '+', ':' -> into.add(line.substring(1));
            case '-' -> throw new IOException("Redis: " + line.substring(1));
            case '$' -> {
                int n = Integer.parseInt(line.substring(1));
                if (n < 0) {
                    into.add(null);
                } else {
                    char[] buf = new char[n + 2]; // keys here are ASCII: chars and bytes agree
                    int read = 0;
                    while (read < buf.length) {
                        int r = in.read(buf, read, buf.length - read);
                        if (r < 0) throw new IOException("Redis closed the connection");
                        read += r;
                    }
                    into.add(new String(buf, 0, n));
                }
            }
            case '*' -> {
                int n = Integer.parseInt(line.substring(1));
                for (int i = 0; i < n; i++) read(in, into);
            }
            default -> throw new IOException("unexpected answer from Redis: " + line);
        }
    }
}
