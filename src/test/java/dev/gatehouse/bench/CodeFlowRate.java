package dev.gatehouse.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Complete authorization code + PKCE sign-ins, as a browser and a client would do them, on N concurrent "browsers"
 * for S seconds: {@code GET /oauth2/authorize} (redirected to the login page), {@code GET /login} (its CSRF cookie and
 * field), {@code POST /login} with the password (the SSO cookie and, consent being remembered, the redirect to the
 * client with the code: ADR 0021; a build before it redirected back to {@code GET /oauth2/authorize} first, which
 * this follows), {@code POST /oauth2/token} (access and ID token). Every flow
 * starts with no cookies, so every one hashes the password. Each browser keeps one keep-alive connection
 * ({@link Connection}, a minimal HTTP/1.1 client: the client runs on the server's cores, so it must cost little). The bench/run.sh row compares the rate with the raw Argon2id
 * rate (issue 3: "cost dominated by the password hash").
 *
 * <p>Run: {@code java -cp target/test-classes:target/gatehouse.jar dev.gatehouse.bench.CodeFlowRate <base> <client_id>
 * <basic authorization> <redirect_uri> <code_challenge> <code_verifier> <email> <password> <browsers> <warm-up
 * seconds> <seconds> <server pid>}. The warm-up runs first in the same JVM (this client's JIT as well as the
 * server's), then the measured period, around which the CPU time of the server process, of all PostgreSQL processes
 * and of this client is read from {@code /proc}. Prints {@code RESULT codeflow rps=... ok_rps=... p50_ms=...
 * p99_ms=... requests=<flows> ok=... non200=<failed> server_ms=... pg_ms=... client_ms=...} (CPU per sign-in).
 */
public final class CodeFlowRate {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]*)\"");
    private static final Pattern RETURN_TO = Pattern.compile("name=\"return_to\" value=\"([^\"]*)\"");

    private CodeFlowRate() {}

    record Settings(
            String base,
            String clientId,
            String basic,
            String redirectUri,
            String challenge,
            String verifier,
            String email,
            String password) {}

    public static void main(String[] args) throws Exception {
        var s = new Settings(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7]);
        int browsers = Integer.parseInt(args[8]);
        double warmup = Double.parseDouble(args[9]);
        double seconds = Double.parseDouble(args[10]);
        long serverPid = Long.parseLong(args[11]);
        run(s, browsers, warmup);
        long server0 = cpuMillis(serverPid);
        long pg0 = postgresCpuMillis();
        long client0 = cpuMillis(ProcessHandle.current().pid());
        Run r = run(s, browsers, seconds);
        long server = cpuMillis(serverPid) - server0;
        long pg = postgresCpuMillis() - pg0;
        long client = cpuMillis(ProcessHandle.current().pid()) - client0;
        List<Long> sorted = new ArrayList<>(r.latencies());
        Collections.sort(sorted);
        long flows = r.ok() + r.failed();
        double perFlow = Math.max(flows, 1);
        System.out.printf(
                "RESULT codeflow rps=%.1f ok_rps=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d ok=%d non200=%d"
                        + " server_ms=%.2f pg_ms=%.2f client_ms=%.2f%n",
                flows / r.elapsed(),
                r.ok() / r.elapsed(),
                percentile(sorted, 0.50),
                percentile(sorted, 0.99),
                flows,
                r.ok(),
                r.failed(),
                server / perFlow,
                pg / perFlow,
                client / perFlow);
    }

    record Run(long ok, long failed, List<Long> latencies, double elapsed) {}

    private static Run run(Settings s, int browsers, double seconds) throws InterruptedException {
        var stop = new AtomicBoolean();
        var ok = new LongAdder();
        var failed = new LongAdder();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        List<String> firstFailure = Collections.synchronizedList(new ArrayList<>());
        List<Thread> workers = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < browsers; i++) {
            workers.add(Thread.ofPlatform().start(() -> {
                var http = new Connection(URI.create(s.base()));
                while (!stop.get()) {
                    long start = System.nanoTime();
                    try {
                        signIn(http, s);
                        ok.increment();
                        latencies.add(System.nanoTime() - start);
                    } catch (Exception e) {
                        http.close();
                        failed.increment();
                        if (firstFailure.isEmpty()) firstFailure.add(String.valueOf(e));
                    }
                }
                http.close();
            }));
        }
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        for (Thread t : workers) t.join();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        if (!firstFailure.isEmpty()) System.err.println("codeflow: first failure: " + firstFailure.get(0));
        return new Run(ok.sum(), failed.sum(), List.copyOf(latencies), elapsed);
    }

    /** User + system CPU of a process so far (fields 14 and 15 of /proc/pid/stat, in clock ticks of 10 ms). */
    private static long cpuMillis(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
        } catch (java.io.IOException | RuntimeException e) {
            return 0; // the process ended
        }
    }

    private static long postgresCpuMillis() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(false))
                .mapToLong(p -> cpuMillis(p.pid()))
                .sum();
    }

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) return 0;
        return sorted.get(Math.min(sorted.size() - 1, (int) (p * sorted.size()))) / 1e6;
    }

    /** One sign-in from an empty cookie jar to the tokens; throws on any unexpected answer. */
    static void signIn(Connection http, Settings s) throws Exception {
        String authorize = "/oauth2/authorize?response_type=code&client_id=" + enc(s.clientId()) + "&redirect_uri="
                + enc(s.redirectUri()) + "&scope=" + enc("openid profile email") + "&state=bench&nonce=bench"
                + "&code_challenge=" + s.challenge() + "&code_challenge_method=S256";
        var toLogin = http.send("GET", authorize, null, null, 302);
        var loginPage = http.send("GET", toLogin.location(), null, null, 200);
        String csrfCookie = loginPage.cookie("gh_csrf");
        String csrf = unescape(find(CSRF, loginPage.body()));
        String returnTo = unescape(find(RETURN_TO, loginPage.body()));
        var form = form(Map.of("csrf", csrf, "return_to", returnTo, "email", s.email(), "password", s.password()));
        var signedIn = http.send("POST", "/login", "Cookie: gh_csrf=" + csrfCookie, form, 303);
        String back = signedIn.location();
        if (back.startsWith("/oauth2/authorize?")) {
            // Builds before ADR 0021 sent the browser back to the authorization endpoint first (for A/B runs).
            back = http.send("GET", back, "Cookie: gh_sso=" + signedIn.cookie("gh_sso"), null, 302)
                    .location();
        }
        if (!back.startsWith(s.redirectUri() + "?")) throw new IllegalStateException("redirected to " + back);
        String code = query(back, "code");
        var tokens = http.send(
                "POST",
                "/oauth2/token",
                "Authorization: " + s.basic(),
                form(Map.of(
                        "grant_type",
                        "authorization_code",
                        "code",
                        code,
                        "redirect_uri",
                        s.redirectUri(),
                        "code_verifier",
                        s.verifier())),
                200);
        if (!tokens.body().contains("\"id_token\"") || !tokens.body().contains("\"access_token\""))
            throw new IllegalStateException("no tokens: " + tokens.body());
    }

    record Answer(int status, List<String> headerLines, String body) {
        String header(String name) {
            for (String h : headerLines) {
                if (h.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                    return h.substring(name.length() + 1).trim();
            }
            return null;
        }

        String location() {
            String l = header("Location");
            if (l == null) throw new IllegalStateException("no Location");
            return l;
        }

        String cookie(String name) {
            for (String h : headerLines) {
                if (!h.regionMatches(true, 0, "Set-Cookie:", 0, 11)) continue;
                String c = h.substring(11).trim();
                if (c.startsWith(name + "=")) return c.substring(name.length() + 1, c.indexOf(';'));
            }
            throw new IllegalStateException("no cookie " + name);
        }
    }

    /**
     * A browser's keep-alive HTTP/1.1 connection, reduced to what these requests need: Java's HttpClient cost ~0.5 ms
     * of CPU per request on these shared cores, this a tenth of it. Answers carry Content-Length or are chunked.
     */
    static final class Connection implements AutoCloseable {
        private final String host;
        private final int port;
        private Socket socket;
        private OutputStream out;
        private InputStream in;

        Connection(URI base) {
            this.host = base.getHost();
            this.port = base.getPort();
        }

        Answer send(String method, String target, String header, String form, int expected) throws IOException {
            if (target.startsWith("http")) target = target.substring(target.indexOf('/', target.indexOf("//") + 2));
            Answer a;
            try {
                a = exchange(method, target, header, form);
            } catch (IOException e) { // the server closed an idle keep-alive connection: once more on a new one
                close();
                a = exchange(method, target, header, form);
            }
            if (a.status() != expected) throw new IllegalStateException(method + " " + target + " -> " + a.status());
            return a;
        }

        private Answer exchange(String method, String target, String header, String form) throws IOException {
            if (socket == null) {
                socket = new Socket(host, port);
                socket.setTcpNoDelay(true);
                out = new BufferedOutputStream(socket.getOutputStream(), 8192);
                in = new BufferedInputStream(socket.getInputStream(), 16384);
            }
            byte[] body = form == null ? null : form.getBytes(StandardCharsets.UTF_8);
            var req = new StringBuilder(512)
                    .append(method)
                    .append(' ')
                    .append(target)
                    .append(" HTTP/1.1\r\nHost: ")
                    .append(host)
                    .append(':')
                    .append(port)
                    .append("\r\nAccept: text/html\r\n");
            if (header != null) req.append(header).append("\r\n");
            if (body != null)
                req.append("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ")
                        .append(body.length)
                        .append("\r\n");
            req.append("\r\n");
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) out.write(body);
            out.flush();

            String statusLine = line();
            if (statusLine == null) throw new IOException("connection closed");
            int status = Integer.parseInt(statusLine.substring(9, 12));
            List<String> headers = new ArrayList<>();
            long length = -1;
            boolean chunked = false;
            boolean closing = false;
            for (String h = line(); h != null && !h.isEmpty(); h = line()) {
                headers.add(h);
                String lower = h.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:"))
                    length = Long.parseLong(h.substring(15).trim());
                else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
                else if (lower.startsWith("connection:") && lower.contains("close")) closing = true;
            }
            var content = new java.io.ByteArrayOutputStream();
            if (chunked) {
                for (int n = Integer.parseInt(line().trim(), 16); n > 0; n = Integer.parseInt(line().trim(), 16)) {
                    content.write(in.readNBytes(n));
                    line();
                }
                line();
            } else if (length > 0) {
                content.write(in.readNBytes((int) length));
            }
            if (closing) close();
            return new Answer(status, headers, content.toString(StandardCharsets.UTF_8));
        }

        private String line() throws IOException {
            var b = new StringBuilder(64);
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) return b.isEmpty() ? null : b.toString();
                if (c != '\r') b.append((char) c);
            }
            return b.toString();
        }

        @Override
        public void close() {
            if (socket == null) return;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            socket = null;
        }
    }

    private static String query(String url, String name) {
        for (String pair : URI.create(url).getRawQuery().split("&", -1)) {
            if (pair.startsWith(name + "="))
                return java.net.URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
        }
        throw new IllegalStateException("no " + name + " in " + url);
    }

    private static String find(Pattern p, String html) {
        Matcher m = p.matcher(html);
        if (!m.find()) throw new IllegalStateException("no " + p.pattern() + " in the page");
        return m.group(1);
    }

    private static String unescape(String v) {
        return v.replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
    }

    private static String enc(String v) {
        return URLEncoder.encode(v, StandardCharsets.UTF_8);
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
    }
}
