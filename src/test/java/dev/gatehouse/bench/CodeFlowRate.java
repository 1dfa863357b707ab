package dev.gatehouse.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * field), {@code POST /login} with the password (the SSO cookie), {@code GET /oauth2/authorize} again (remembered
 * consent: the redirect to the client with the code), {@code POST /oauth2/token} (access and ID token). Every flow
 * starts with no cookies, so every one hashes the password. The bench/run.sh row compares the rate with the raw Argon2id
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
                HttpClient http = HttpClient.newBuilder()
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build();
                while (!stop.get()) {
                    long start = System.nanoTime();
                    try {
                        signIn(http, s);
                        ok.increment();
                        latencies.add(System.nanoTime() - start);
                    } catch (Exception e) {
                        failed.increment();
                        if (firstFailure.isEmpty()) firstFailure.add(String.valueOf(e));
                    }
                }
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
    static void signIn(HttpClient http, Settings s) throws Exception {
        String authorize = "/oauth2/authorize?response_type=code&client_id=" + enc(s.clientId()) + "&redirect_uri="
                + enc(s.redirectUri()) + "&scope=" + enc("openid profile email") + "&state=bench&nonce=bench"
                + "&code_challenge=" + s.challenge() + "&code_challenge_method=S256";
        var toLogin = send(http, get(s, authorize, null), 302);
        var loginPage = send(http, get(s, location(toLogin), null), 200);
        String csrfCookie = cookie(loginPage, "gh_csrf");
        String csrf = unescape(find(CSRF, loginPage.body()));
        String returnTo = unescape(find(RETURN_TO, loginPage.body()));
        var form = form(Map.of("csrf", csrf, "return_to", returnTo, "email", s.email(), "password", s.password()));
        var signedIn = send(
                http,
                HttpRequest.newBuilder(URI.create(s.base() + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Cookie", "gh_csrf=" + csrfCookie)
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                303);
        String sso = cookie(signedIn, "gh_sso");
        var toClient = send(http, get(s, location(signedIn), "gh_sso=" + sso), 302);
        String back = location(toClient);
        if (!back.startsWith(s.redirectUri() + "?")) throw new IllegalStateException("redirected to " + back);
        String code = query(back, "code");
        var tokens = send(
                http,
                HttpRequest.newBuilder(URI.create(s.base() + "/oauth2/token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Authorization", s.basic())
                        .POST(HttpRequest.BodyPublishers.ofString(form(Map.of(
                                "grant_type",
                                "authorization_code",
                                "code",
                                code,
                                "redirect_uri",
                                s.redirectUri(),
                                "code_verifier",
                                s.verifier()))))
                        .build(),
                200);
        if (!tokens.body().contains("\"id_token\"") || !tokens.body().contains("\"access_token\""))
            throw new IllegalStateException("no tokens: " + tokens.body());
    }

    private static HttpRequest get(Settings s, String pathOrUrl, String cookie) {
        var b = HttpRequest.newBuilder(URI.create(pathOrUrl.startsWith("/") ? s.base() + pathOrUrl : pathOrUrl))
                .header("Accept", "text/html");
        if (cookie != null) b.header("Cookie", cookie);
        return b.GET().build();
    }

    private static HttpResponse<String> send(HttpClient http, HttpRequest r, int expected) throws Exception {
        var res = http.send(r, HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != expected)
            throw new IllegalStateException(r.method() + " " + r.uri().getPath() + " -> " + res.statusCode());
        return res;
    }

    private static String location(HttpResponse<String> r) {
        return r.headers().firstValue("Location").orElseThrow();
    }

    private static String cookie(HttpResponse<String> r, String name) {
        for (String c : r.headers().allValues("Set-Cookie")) {
            if (c.startsWith(name + "=")) return c.substring(name.length() + 1, c.indexOf(';'));
        }
        throw new IllegalStateException("no cookie " + name);
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
