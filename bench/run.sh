#!/usr/bin/env bash
# Gatehouse benchmark (docs/benchmarks.md): start-up to ready on the embedded database, resident memory, and wrk load
# on PostgreSQL for POST /v1/auth/refresh (with rotation) and POST /v1/auth/login, the latter compared with the raw
# Argon2id rate at the same parameters measured in the same run; and the OAuth/OIDC endpoints of issue 3 on the same
# PostgreSQL server (part "oauth"): POST /oauth2/token client_credentials (client_secret_basic, ES256 access tokens),
# POST /oauth2/introspect over a pool of BENCH_POOL distinct valid access tokens, GET /oauth2/userinfo with a user
# token (openid profile email) from the authorization code + PKCE flow (bench/oauth-setup.py), GET
# /.well-known/jwks.json and /.well-known/openid-configuration. RS256 client_credentials runs in BENCH_RS256_SLICES
# (3) slices, each compared with the raw RS256 signing rate measured just before and after it (BENCH_SIGN_SECONDS
# each). Each row: req/s, p50/p99, failed answers, then the CPU per request of the server, PostgreSQL and wrk. Last, complete
# authorization code + PKCE sign-ins (src/test/java/dev/gatehouse/bench/CodeFlowRate.java) against the raw Argon2id rate.
# Part "mfa" (issue 4): POST /v1/auth/login/mfa completing pending sign-ins with TOTP codes, on a server of its own
# (bench/mfa-setup.py; BENCH_MFA_USERS accounts, BENCH_MFA_WARMUP_ROUNDS x BENCH_MFA_WARMUP seconds of warm-up,
# BENCH_MFA_DURATION seconds measured).
#
#   bench/run.sh                      # everything, defaults below
#   BENCH_ONLY=refresh bench/run.sh   # some parts: startup, refresh, login, oauth, mfa, crypto (comma-separated)
#   BENCH_ONLY=oauth BENCH_DURATION=3 BENCH_WARMUP=2 bench/run.sh   # a quick check of the oauth part
#   BENCH_THREADS=1 bench/run.sh      # also print the server's CPU by thread during the refresh run
#
# Needs: wrk, curl, python3, time(1) at /usr/bin/time (wrk's CPU), psql/createdb/dropdb reaching PostgreSQL (BENCH_PG_HOST, user
# postgres, trust auth).
# The server runs through bin/gatehouse, i.e. with the launcher's JVM options (override with GATEHOUSE_JVM_OPTS).
# Argon2 runs at the server's default cost (OWASP: m=19456 KiB, t=2, p=1) unless GATEHOUSE_ARGON2_* are set.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DURATION=${BENCH_DURATION:-30}        # seconds per measured wrk run
WARMUP=${BENCH_WARMUP:-10}            # seconds of load before the login and client_credentials runs, discarded
# Seconds of refresh load before the refresh run, discarded: the refresh path's CPU per request was still falling
# (JIT) for a minute after start (~850 -> ~290 µs over four 15 s runs, docs/benchmarks.md 2026-12-06).
REFRESH_WARMUP=${BENCH_REFRESH_WARMUP:-60}
STARTS=${BENCH_STARTS:-5}             # start-ups on the embedded database
ARGON2_SECONDS=${BENCH_ARGON2_SECONDS:-8}   # per raw Argon2id measurement (the login part takes BENCH_LOGIN_SLICES + 1)
THREADS=2
CONNECTIONS=16
CHAINS=${BENCH_CHAINS:-64}            # refresh-token chains (sessions) per refresh run; must be >= CONNECTIONS
USERS=${BENCH_USERS:-16}
PG_HOST=${BENCH_PG_HOST:-127.0.0.1}
PG_DB=${BENCH_PG_DB:-gatehouse_bench}
ONLY=${BENCH_ONLY:-startup,refresh,login,oauth,mfa,crypto}
POOL=${BENCH_POOL:-10000}             # distinct access tokens introspected in the oauth part
PASSWORD='Quartz-otter-8f3k2-Zq!x'
ADMIN_EMAIL=admin@bench.test
ADMIN_PASSWORD='Bench-admin-9d7c1-Yw!'

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill "$SERVER_PID"; wait "$SERVER_PID" || true; fi
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
want() { [[ ",$ONLY," == *",$1,"* ]]; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rss_mb() { echo $(( $(ps -o rss= -p "$1") / 1024 )); }
# CPU time (user + system, all threads) a process has used so far, in ms: the load-independent part of start-up.
# Minor page faults of a process so far: memory it maps fresh (zeroed pages) shows up here.
minflt() { awk '{ print $10 }' "/proc/$1/stat"; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"; }

for tool in wrk curl python3 psql createdb dropdb /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

# --- build (same rule as bin/gatehouse, plus the bench classes under target/test-classes) ---
if [ ! -f target/gatehouse.jar ] || [ ! -f target/test-classes/dev/gatehouse/bench/Argon2Rate.class ] \
  || [ -n "$(find src pom.xml -newer target/gatehouse.jar -type f 2>/dev/null | head -1)" ]; then
  log "building target/gatehouse.jar"
  ./mvnw -B -q package -DskipTests -Dspotless.check.skip=true >&2
fi
# The JDK the launcher would pick, for the Argon2 rate; JAVA_HOME wins as in bin/gatehouse.
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/java}
if [ -z "$JAVA" ]; then
  for j in /usr/lib/jvm/*/bin/java; do
    v=$("$j" -XX:+IgnoreUnrecognizedVMOptions -version 2>&1 | sed -nE 's/.*version "([0-9]+).*/\1/p' | head -1)
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then JAVA=$j; fi
  done
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_server <log> [VAR=value ...]: starts bin/gatehouse in the background, waits for /health/ready = 200, and
# sets READY_MS to the milliseconds from launch to ready (SERVER_PID, PORT, BASE too).
start_server() {
  local out=$1; shift
  PORT=$(free_port)
  BASE=http://127.0.0.1:$PORT
  local t0; t0=$(now_ms)
  env GATEHOUSE_HTTP_HOST=127.0.0.1 GATEHOUSE_HTTP_PORT="$PORT" GATEHOUSE_ISSUER="$BASE" GATEHOUSE_RATE_LIMITS=off \
    GATEHOUSE_ADMIN_EMAIL=$ADMIN_EMAIL GATEHOUSE_ADMIN_PASSWORD="$ADMIN_PASSWORD" "$@" \
    bin/gatehouse >"$out" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 3000); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready")" = 200 ]; then
      READY_MS=$(( $(now_ms) - t0 )); READY_CPU_MS=$(cpu_ms "$SERVER_PID"); return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$out" >&2; echo "bench: server died" >&2; exit 1; }
    sleep 0.01
  done
  echo "bench: server not ready after 30 s" >&2; cat "$out" >&2; exit 1
}

stop_server() {
  kill "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=
}

post() { curl -s -o "$WORK/last.json" -w '%{http_code}' -X POST "$BASE$1" -H 'Content-Type: application/json' -d "$2"; }

SUMMARY=$WORK/summary.txt
: >"$SUMMARY"
row() { printf '%-46s %s\n' "$1" "$2" | tee -a "$SUMMARY" >&2; }

log "machine: $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MiB, $("${JAVA:-java}" -version 2>&1 | head -1)," \
  "$(psql -h "$PG_HOST" -U postgres -d postgres -tAc 'select version()' | cut -d' ' -f1-2), load $(load)"
row "jvm options" "${GATEHOUSE_JVM_OPTS:-(bin/gatehouse defaults)}"

# CPU time (ms) of all PostgreSQL processes so far. With the server's, taken around a wrk run, it gives CPU per
# request: unlike req/s, it hardly moves when other work shares the cores.
pg_cpu_ms() {
  local hz total=0 t; hz=$(getconf CLK_TCK)
  for pid in $(pgrep -x postgres); do
    t=$(awk -v hz="$hz" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$(( total + ${t:-0} ))
  done
  echo "$total"
}
wrk_run() { # wrk_run <name> <seconds> <script> <args...>; writes $WORK/cpu-<name>.txt (µs of CPU per request)
  local name=$1 secs=$2 script=$3; shift 3
  log "wrk $name ${secs}s, load $(load)"
  local s0 p0 f0; s0=$(cpu_ms "$SERVER_PID"); p0=$(pg_cpu_ms); f0=$(minflt "$SERVER_PID")
  local tpid=
  if [ -n "${BENCH_THREADS:-}" ]; then
    python3 bench/thread-cpu.py "$SERVER_PID" "$((secs - 1))" >"$WORK/threads-$name.txt" & tpid=$!
  fi
  # wrk's own CPU (user + system) from time(1): the load generator shares the cores with the server.
  /usr/bin/time -f 'WRKCPU %U %S' -o "$WORK/wrktime-$name.txt" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout 10s -s "$script" "$BASE" -- "$@" >"$WORK/wrk-$name.txt" 2>&1
  [ -z "$tpid" ] || wait "$tpid"
  local s1 p1 f1 n; s1=$(cpu_ms "$SERVER_PID"); p1=$(pg_cpu_ms); f1=$(minflt "$SERVER_PID")
  n=$(sed -nE 's/.* requests=([0-9]+).*/\1/p' "$WORK/wrk-$name.txt")
  local w; w=$(sed -nE 's/^WRKCPU ([0-9.]+) ([0-9.]+)$/\1 + \2/p' "$WORK/wrktime-$name.txt")
  python3 -c "n=max(${n:-0},1); print(f'server {($s1-$s0)*1000/n:.0f} µs, PostgreSQL {($p1-$p0)*1000/n:.0f} µs, wrk {(${w:-0})*1e6/n:.0f} µs CPU per request; server page faults {($f1-$f0)/n:.0f} per request')" >"$WORK/cpu-$name.txt"
  grep '^RESULT' "$WORK/wrk-$name.txt"
}
field() { sed -nE "s/.* $1=([^ ]+).*/\1/p" <<<"$2"; }
# The failed answers of a RESULT line: bench/simple.lua reports wrk's own count of statuses >= 400 ("errors"), the
# other scripts check each answer themselves ("non200").
failures() { if [ -n "$(field errors "$1")" ]; then echo "status >= 400: $(field errors "$1")"; else echo "non-200 $(field non200 "$1")"; fi; }

# The raw Argon2id rate at the server's parameters on THREADS threads (login and code-flow rows compare with it).
argon2() {
  "$JAVA" --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/gatehouse.jar dev.gatehouse.bench.Argon2Rate "$THREADS" "$ARGON2_SECONDS" \
    | sed -nE 's/^RESULT argon2 hashes_per_s=([0-9.]+).*/\1/p'
}

# sliced <label> <raw label> <unit> <slices> <seconds> <raw command> <wrk name> <wrk script> <args...>: raw rates and
# wrk slices alternate, each slice compared with the mean of the raw rates measured just before and just after it
# (the raw rate drifts within a minute on this host); a row per measurement, then the mean of the slice ratios.
sliced() {
  local label=$1 raw_label=$2 unit=$3 n=$4 secs=$5 raw=$6 name=$7; shift 7
  local l prev next r ratio ratios=()
  l=$(load); prev=$($raw)
  row "$raw_label, before slice 1 (load $l)" "$prev $unit"
  for i in $(seq 1 "$n"); do
    l=$(load)
    r=$(wrk_run "$name" "$secs" "$@")
    row "$label slice $i, ${secs} s (load before: $l)" "$(field rps "$r") req/s, p50 $(field p50_ms "$r") ms, p99 $(field p99_ms "$r") ms, $(failures "$r")"
    row "$label slice $i CPU cost" "$(cat "$WORK/cpu-$name.txt")"
    l=$(load); next=$($raw)
    row "$raw_label, after slice $i (load $l)" "$next $unit"
    ratio=$(python3 -c "print(f'{100 * $(field ok_rps "$r") / (($prev + $next) / 2):.1f}')")
    row "$label slice $i / raw around it" "$ratio %"
    ratios+=("$ratio"); prev=$next
  done
  row "$label / $raw_label (mean of $n slices)" \
    "$(python3 -c "r=[$(IFS=,; echo "${ratios[*]}")]; print(f'{sum(r) / len(r):.1f} % (slices: ' + ', '.join(f'{x:.1f}' for x in r) + ')')")"
}

# --- 1. start-up on the embedded database (H2 file) ---
if want startup; then
  data=$WORK/h2
  for i in $(seq 1 "$STARTS"); do
    l=$(load)
    start_server "$WORK/h2-$i.log" GATEHOUSE_DATA_DIR="$data"; ms=$READY_MS; cpu=$READY_CPU_MS
    sleep 1
    rss=$(rss_mb "$SERVER_PID")
    self=$(sed -nE 's/.* ready on .* in ([0-9]+) ms.*/\1/p' "$WORK/h2-$i.log" | head -1)
    stop_server
    kind=$([ "$i" = 1 ] && echo "first start, empty data dir" || echo "restart")
    row "start-up H2 #$i ($kind)" "ready ${ms} ms (server log: ${self} ms), CPU ${cpu} ms, RSS ${rss} MB, load $l"
    echo "$ms" >>"$WORK/starts-$([ "$i" = 1 ] && echo first || echo again)"
  done
  if [ -f "$WORK/starts-again" ]; then
    row "start-up H2 restarts, median" "$(sort -n "$WORK/starts-again" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') ms"
  fi
fi

# --- 2. PostgreSQL: start, RSS, load ---
if want refresh || want login || want oauth; then
  dropdb -h "$PG_HOST" -U postgres --if-exists "$PG_DB"
  createdb -h "$PG_HOST" -U postgres "$PG_DB"
  start_server "$WORK/pg.log" GATEHOUSE_DATA_DIR="$WORK/pg-data" \
    GATEHOUSE_DB_URL="jdbc:postgresql://$PG_HOST:5432/$PG_DB" GATEHOUSE_DB_USER=postgres
  ms=$READY_MS
  sleep 2
  row "start-up PostgreSQL (empty database)" "ready ${ms} ms, load $(load)"
  # The first start trains the launcher's AOT cache (JDK 25) and runs in that mode until it exits; the measured server
  # is a restart, as in production.
  stop_server
  start_server "$WORK/pg2.log" GATEHOUSE_DATA_DIR="$WORK/pg-data" \
    GATEHOUSE_DB_URL="jdbc:postgresql://$PG_HOST:5432/$PG_DB" GATEHOUSE_DB_USER=postgres
  ms=$READY_MS
  sleep 2
  row "start-up PostgreSQL (restart)" "ready ${ms} ms, load $(load)"
  row "RSS after start (PostgreSQL)" "$(rss_mb "$SERVER_PID") MB"

  # Users (default Argon2 cost: each registration and login below is one full hash); the oauth part needs none.
  : >"$WORK/users.txt"
  if want refresh || want login; then
    for i in $(seq 1 "$USERS"); do
      email="bench$i@bench.test"
      code=$(post /v1/auth/register "{\"email\":\"$email\",\"password\":\"$PASSWORD\",\"first_name\":\"Load\",\"last_name\":\"Tester\"}")
      [ "$code" = 202 ] || { echo "bench: register $email -> $code: $(cat "$WORK/last.json")" >&2; exit 1; }
      echo "$email $PASSWORD" >>"$WORK/users.txt"
    done
  fi
  # chains <file> <n>: n sessions (logins spread over the users), one refresh token per line.
  chains() {
    local file=$1 n=$2
    seq 1 "$n" | xargs -P 2 -I{} sh -c '
      i={}; u=$(( (i - 1) % '"$USERS"' + 1 ))
      { curl -s -X POST "'"$BASE"'/v1/auth/login" -H "Content-Type: application/json" \
        -d "{\"email\":\"bench$u@bench.test\",\"password\":\"'"$PASSWORD"'\"}"; echo; } |
        sed -nE "s/.*\"refresh_token\":\"([^\"]+)\".*/\1/p"' >"$file"
    [ "$(grep -c '^rt_' "$file")" = "$n" ] || { echo "bench: only $(wc -l <"$file") of $n logins gave a token" >&2; exit 1; }
  }


  if want refresh; then
    chains "$WORK/chains-warmup.txt" "$CHAINS"
    chains "$WORK/chains.txt" "$CHAINS"
    r=$(wrk_run refresh-warmup "$REFRESH_WARMUP" bench/refresh.lua "$WORK/chains-warmup.txt" "$THREADS")
    row "refresh warm-up (${REFRESH_WARMUP} s, discarded)" "$(field rps "$r") req/s"
    l=$(load)
    r=$(wrk_run refresh "$DURATION" bench/refresh.lua "$WORK/chains.txt" "$THREADS")
    row "refresh ${DURATION} s (load before: $l)" "$(field rps "$r") req/s, p50 $(field p50_ms "$r") ms, p99 $(field p99_ms "$r") ms, non-200 $(field non200 "$r"), starved $(field starved "$r"), socket errors $(field socket_errors "$r")"
    row "refresh CPU cost" "$(cat "$WORK/cpu-refresh.txt")"
    [ -z "${BENCH_THREADS:-}" ] || { log "server CPU by thread during the refresh run:"; cat "$WORK/threads-refresh.txt" >&2; }
    row "RSS after refresh load" "$(rss_mb "$SERVER_PID") MB"
  fi

  if want login; then
    r=$(wrk_run login-warmup "$WARMUP" bench/login.lua "$WORK/users.txt")
    row "login warm-up (${WARMUP} s, discarded)" "$(field rps "$r") req/s"
    # Raw hashing and logins alternate in slices, each login slice compared with the raw rate measured just before
    # and just after it: the host's memory bandwidth (which Argon2 is bound by) drifts by 10-20 % within a minute on
    # this machine, so one raw measurement on each side of a long run compared unlike moments.
    SLICES=${BENCH_LOGIN_SLICES:-3}
    LOGIN_SLICE=${BENCH_LOGIN_SLICE:-$(( DURATION / SLICES ))}
    sliced login "raw Argon2id, $THREADS threads" hashes/s "$SLICES" "$LOGIN_SLICE" argon2 login bench/login.lua \
      "$WORK/users.txt"
  fi

  # OAuth/OIDC endpoints (issue 3, "Performance"). bench/oauth-setup.py registers a machine client and a web client
  # through /v1/admin/clients and runs the authorization code flow with PKCE for the administrator (openid profile
  # email); every measured request is a fixed one from bench/simple.lua except introspection (bench/introspect.lua).
  if want oauth; then
    python3 bench/oauth-setup.py "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" >"$WORK/oauth.env"
    # shellcheck disable=SC1091
    . "$WORK/oauth.env"
    form='Content-Type: application/x-www-form-urlencoded'
    code=$(curl -s -o "$WORK/last.json" -w '%{http_code}' -X POST "$BASE/oauth2/token" -H "$form" \
      -H "Authorization: $CC_AUTH" -d grant_type=client_credentials)
    [ "$code" = 200 ] || { echo "bench: client_credentials -> $code: $(cat "$WORK/last.json")" >&2; exit 1; }
    alg=$(python3 -c 'import base64, json, sys; h = json.load(sys.stdin)["access_token"].split(".")[0]
print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["alg"])' <"$WORK/last.json")
    cc=(POST /oauth2/token grant_type=client_credentials "$form" "Authorization: $CC_AUTH")
    r=$(wrk_run cc-warmup "$WARMUP" bench/simple.lua cc-warmup "${cc[@]}")
    row "client_credentials warm-up (${WARMUP} s, discarded)" "$(field rps "$r") req/s"
    l=$(load)
    r=$(wrk_run cc "$DURATION" bench/simple.lua client_credentials "${cc[@]}")
    row "client_credentials ${alg:-?} ${DURATION} s (load before: $l)" "$(field rps "$r") req/s, p50 $(field p50_ms "$r") ms, p99 $(field p99_ms "$r") ms, $(failures "$r")"
    row "client_credentials ${alg:-?} CPU cost" "$(cat "$WORK/cpu-cc.txt")"
    # RS256 access tokens (a client registered with access_token_signed_response_alg RS256) against the raw RS256
    # signing rate of the server's provider on as many threads as wrk's, measured before and after in the same run.
    rs256() {
      "$JAVA" --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/gatehouse.jar dev.gatehouse.bench.SignRate \
        "$THREADS" "${BENCH_SIGN_SECONDS:-10}" | sed -nE 's/^RESULT rs256 signs_per_s=([0-9.]+).*/\1/p'
    }
    code=$(curl -s -o "$WORK/last.json" -w '%{http_code}' -X POST "$BASE/oauth2/token" -H "$form" \
      -H "Authorization: $CC_RS256_AUTH" -d grant_type=client_credentials)
    [ "$code" = 200 ] || { echo "bench: client_credentials RS256 -> $code: $(cat "$WORK/last.json")" >&2; exit 1; }
    rs_alg=$(python3 -c 'import base64, json, sys; h = json.load(sys.stdin)["access_token"].split(".")[0]
print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["alg"])' <"$WORK/last.json")
    [ "$rs_alg" = RS256 ] || { echo "bench: the RS256 client got a $rs_alg access token" >&2; exit 1; }
    rs=(POST /oauth2/token grant_type=client_credentials "$form" "Authorization: $CC_RS256_AUTH")
    r=$(wrk_run cc-rs256-warmup "$WARMUP" bench/simple.lua cc-rs256-warmup "${rs[@]}")
    # Like login: BENCH_RS256_SLICES runs of DURATION / slices seconds, each compared with the raw rate measured just
    # before and just after it (the raw rate moves by a few percent within a minute here).
    RS_SLICES=${BENCH_RS256_SLICES:-3}
    RS_SLICE=$(( DURATION / RS_SLICES ))
    sliced "client_credentials RS256" "raw RS256 sign, $THREADS threads" signs/s "$RS_SLICES" "$RS_SLICE" rs256 cc-rs256 \
      bench/simple.lua client_credentials_rs256 "${rs[@]}"

    # A pool of distinct valid access tokens (not measured), then introspection cycling through it.
    rm -f "$WORK"/pool-*
    for _ in $(seq 1 40); do
      [ "$(cat "$WORK"/pool-* 2>/dev/null | wc -l)" -lt "$POOL" ] || break
      wrk -t"$THREADS" -c"$CONNECTIONS" -d5s --timeout 10s -s bench/collect-tokens.lua "$BASE" -- \
        "$WORK/pool-" "$CC_AUTH" >"$WORK/wrk-collect.txt" 2>&1
    done
    # Exactly BENCH_POOL distinct tokens (a 5 s collection run gives many more): the row measures that pool size.
    sort -u "$WORK"/pool-* >"$WORK/tokens-collected.txt"
    head -n "$POOL" "$WORK/tokens-collected.txt" >"$WORK/pool.txt"
    distinct=$(wc -l <"$WORK/pool.txt")
    [ "$distinct" -ge "$POOL" ] || { echo "bench: only $distinct of $POOL access tokens collected" >&2; exit 1; }
    l=$(load)
    r=$(wrk_run introspect "$DURATION" bench/introspect.lua "$WORK/pool.txt" "$CC_AUTH" "$THREADS")
    row "introspect ${DURATION} s, pool $distinct (load before: $l)" "$(field rps "$r") req/s, p50 $(field p50_ms "$r") ms, p99 $(field p99_ms "$r") ms, active $(field active "$r"), inactive $(field inactive "$r"), $(failures "$r")"
    row "introspect CPU cost" "$(cat "$WORK/cpu-introspect.txt")"

    code=$(curl -s -o "$WORK/last.json" -w '%{http_code}' -H "Authorization: Bearer $USER_ACCESS_TOKEN" "$BASE/oauth2/userinfo")
    [ "$code" = 200 ] || { echo "bench: userinfo -> $code: $(cat "$WORK/last.json")" >&2; exit 1; }
    l=$(load)
    r=$(wrk_run userinfo "$DURATION" bench/simple.lua userinfo GET /oauth2/userinfo "" \
      "Authorization: Bearer $USER_ACCESS_TOKEN")
    row "userinfo ($USER_SCOPE) ${DURATION} s (load before: $l)" "$(field rps "$r") req/s, p50 $(field p50_ms "$r") ms, p99 $(field p99_ms "$r") ms, $(failures "$r")"
    row "userinfo CPU cost" "$(cat "$WORK/cpu-userinfo.txt")"

    for doc in jwks.json openid-configuration; do
      l=$(load)
      r=$(wrk_run "$doc" "$DURATION" bench/simple.lua "$doc" GET "/.well-known/$doc")
      row "/.well-known/$doc ${DURATION} s (load before: $l)" "$(field rps "$r") req/s, p50 $(field p50_ms "$r") ms, p99 $(field p99_ms "$r") ms, $(failures "$r")"
      row "/.well-known/$doc CPU cost" "$(cat "$WORK/cpu-$doc.txt")"
    done

    # Complete authorization code + PKCE sign-ins (CodeFlowRate: authorize, the login form with the password,
    # remembered consent, the code exchange), BENCH_FLOW_BROWSERS (4) at once, each from an empty cookie jar on one
    # keep-alive connection. First BENCH_FLOW_WARMUP (150) seconds of the same load, discarded: at ~80 sign-ins/s
    # each of the flow's methods runs a few hundred times a second, so C2 is still compiling them for minutes (12 % of
    # the server's CPU after 10 s, 4 % after 60 s in a profile; compilations per 10 s fell from 1,500 at 10-20 s to
    # ~60 at 100-150 s, docs/benchmarks.md 2026-12-06); then
    # BENCH_FLOW_SLICES (3) slices of DURATION / slices seconds, each after 3 s of client warm-up and between two raw
    # Argon2id measurements, as for login (the raw rate drifts by ±5 % within a minute here). The client runs on the
    # same cores, so its CPU per sign-in is reported too.
    browsers=${BENCH_FLOW_BROWSERS:-4}
    flow_warmup=${BENCH_FLOW_WARMUP:-150}
    flow_slices=${BENCH_FLOW_SLICES:-3}
    flow_secs=$(( DURATION / flow_slices ))
    # The client JVM compiles with C1 only: a slice is too short for C2 to pay off, and C2 compiling the client's code
    # during the measured seconds took ~0.5 ms of the shared cores per sign-in (0.9-1.2 against 0.5 ms).
    flow() { # flow <warm-up seconds> <seconds>: one CodeFlowRate run, its RESULT line
      "$JAVA" -XX:TieredStopAtLevel=1 -cp target/test-classes:target/gatehouse.jar dev.gatehouse.bench.CodeFlowRate "$BASE" "$WEB_CLIENT_ID" \
        "$WEB_AUTH" "$WEB_REDIRECT_URI" "$PKCE_CHALLENGE" "$PKCE_VERIFIER" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" \
        "$browsers" "$1" "$2" "$SERVER_PID" | grep '^RESULT'
    }
    log "code flows: ${flow_warmup} s warm-up, load $(load)"
    r=$(flow "$flow_warmup" 1)
    row "code flow warm-up (${flow_warmup} s, discarded)" "$(field ok_rps "$r") sign-ins/s, failed $(field non200 "$r")"
    l=$(load); prev=$(argon2)
    row "raw Argon2id, $THREADS threads, before code-flow slice 1 (load $l)" "$prev hashes/s"
    ratios=(); raws=("$prev"); server_ms=(); pg_ms=()
    for i in $(seq 1 "$flow_slices"); do
      l=$(load)
      r=$(flow 3 "$flow_secs")
      row "code flow slice $i, ${flow_secs} s, $browsers browsers (load before: $l)" "$(field ok_rps "$r") sign-ins/s, p50 $(field p50_ms "$r") ms, p99 $(field p99_ms "$r") ms, failed $(field non200 "$r")"
      row "code flow slice $i CPU per sign-in" "server $(field server_ms "$r") ms, PostgreSQL $(field pg_ms "$r") ms, client $(field client_ms "$r") ms"
      l=$(load); next=$(argon2)
      row "raw Argon2id, $THREADS threads, after code-flow slice $i (load $l)" "$next hashes/s"
      ratio=$(python3 -c "print(f'{100 * $(field ok_rps "$r") / (($prev + $next) / 2):.1f}')")
      row "code flow slice $i / raw around it" "$ratio %"
      ratios+=("$ratio"); raws+=("$next"); server_ms+=("$(field server_ms "$r")"); pg_ms+=("$(field pg_ms "$r")")
      prev=$next
    done
    row "code flow sign-ins / raw Argon2id (mean of $flow_slices slices)" \
      "$(python3 -c "r=[$(IFS=,; echo "${ratios[*]}")]; print(f'{sum(r) / len(r):.1f} % (slices: ' + ', '.join(f'{x:.1f}' for x in r) + ')')")"
    row "raw hash CPU / server + PostgreSQL CPU per sign-in (means)" \
      "$(python3 -c "
a = [$(IFS=,; echo "${raws[*]}")]; s = [$(IFS=,; echo "${server_ms[*]}")]; p = [$(IFS=,; echo "${pg_ms[*]}")]
h = $THREADS * 1000 / (sum(a) / len(a)); c = sum(s) / len(s) + sum(p) / len(p)
print(f'{h:.1f} ms / {c:.1f} ms = {100 * h / c:.1f} %')")"
  fi
  row "RSS after load" "$(rss_mb "$SERVER_PID") MB"
  # With JDK_JAVA_OPTIONS=-XX:NativeMemoryTracking=summary, keep the JVM's own account of where the memory went.
  if [ -n "${BENCH_NMT:-}" ]; then
    "$(dirname "$JAVA")/jcmd" "$SERVER_PID" VM.native_memory summary >"$WORK/nmt.txt" 2>&1 || true
    "$(dirname "$JAVA")/jcmd" "$SERVER_PID" GC.heap_info >>"$WORK/nmt.txt" 2>&1 || true
    # The kernel's side of the same: resident memory by kind, and the largest mappings (file-backed or not).
    { cat "/proc/$SERVER_PID/smaps_rollup"; echo; pmap -x "$SERVER_PID" | sort -k3 -n -r | head -25; } \
      >>"$WORK/nmt.txt" 2>&1 || true
    log "native memory summary: $WORK/nmt.txt"
  fi
  stop_server
fi

# --- 3. MFA: completing a pending sign-in with a TOTP code (issue 4, "Performance") ---
# A server of its own on a fresh PostgreSQL database, with a cheap Argon2 cost: bench/mfa-setup.py creates
# BENCH_MFA_USERS accounts with TOTP through the API (three password hashes each), then per round one pending sign-in
# per account (BENCH_MFA_WARMUP_ROUNDS warm-up rounds of BENCH_MFA_WARMUP seconds, then the measured one); the measured call, POST /v1/auth/login/mfa, hashes no password (it checks the code, spends the pending
# sign-in and the TOTP step, and issues the session's tokens), so the hash cost does not enter the measured numbers.
if want mfa; then
  MFA_DB=${PG_DB}_mfa
  # The database of parts 1-2 is done with: dropped, so that PostgreSQL's clean-up of its rows (autovacuum of the
  # refresh tokens, sessions and audit rows of the runs above) does not share the cores with this part.
  dropdb -h "$PG_HOST" -U postgres --if-exists "$PG_DB"
  dropdb -h "$PG_HOST" -U postgres --if-exists "$MFA_DB"
  createdb -h "$PG_HOST" -U postgres "$MFA_DB"
  mfa_env=(GATEHOUSE_DATA_DIR="$WORK/mfa-data" GATEHOUSE_DB_URL="jdbc:postgresql://$PG_HOST:5432/$MFA_DB"
    GATEHOUSE_DB_USER=postgres GATEHOUSE_ARGON2_MEMORY_KIB=1024 GATEHOUSE_ARGON2_ITERATIONS=1)
  start_server "$WORK/mfa0.log" "${mfa_env[@]}"
  stop_server # the first start trains the AOT cache, as in part 2
  start_server "$WORK/mfa.log" "${mfa_env[@]}"
  MFA_USERS=${BENCH_MFA_USERS:-40000}  # 24,000 ran out within the 10 s on a fast machine (2026-12-06)
  MFA_DURATION=${BENCH_MFA_DURATION:-10}
  MFA_WARMUP=${BENCH_MFA_WARMUP:-10}
  MFA_ROUNDS=${BENCH_MFA_WARMUP_ROUNDS:-2}
  log "mfa: $MFA_USERS accounts with TOTP, load $(load)"
  python3 bench/mfa-setup.py accounts "$BASE" "$MFA_USERS" "$WORK/mfa-accounts.txt"
  # Each round signs every account in with its password (one pending sign-in each) for a TOTP step later than the
  # last round's, so the same accounts serve the warm-up rounds (JIT, pools; discarded) and the measured run.
  for i in $(seq 1 "$MFA_ROUNDS"); do
    python3 bench/mfa-setup.py pending "$BASE" "$WORK/mfa-accounts.txt" "$WORK/mfa-warmup.txt"
    r=$(wrk_run mfa-warmup "$MFA_WARMUP" bench/mfa.lua "$WORK/mfa-warmup.txt" "$THREADS")
    row "login/mfa warm-up $i (${MFA_WARMUP} s, discarded)" "$(field ok_rps "$r") completed/s"
  done
  python3 bench/mfa-setup.py pending "$BASE" "$WORK/mfa-accounts.txt" "$WORK/mfa.txt"
  l=$(load)
  r=$(wrk_run mfa "$MFA_DURATION" bench/mfa.lua "$WORK/mfa.txt" "$THREADS")
  row "login/mfa TOTP ${MFA_DURATION} s (load before: $l)" "$(field ok_rps "$r") completed/s, p50 $(field p50_ms "$r") ms, p99 $(field p99_ms "$r") ms, non-200 $(field non200 "$r"), starved $(field starved "$r")"
  row "login/mfa CPU cost" "$(cat "$WORK/cpu-mfa.txt")"
  stop_server
fi

# --- 4. crypto: per-core sign/verify rates, JDK providers against ACCP; which provider the running server signs with ---
if want crypto; then
  log "CryptoRate, load $(load)"
  "$JAVA" --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/gatehouse.jar dev.gatehouse.bench.CryptoRate \
    "${BENCH_CRYPTO_MILLIS:-3000}" >"$WORK/crypto.txt" 2>&1
  sed -n '/^alg /,$p' "$WORK/crypto.txt" | tee -a "$SUMMARY" >&2
  grep '^# server path' "$WORK/crypto.txt" | tee -a "$SUMMARY" >&2
  # The JDK names the provider each Signature comes from; one login signs an ES256 token, /v1/auth/me verifies it.
  start_server "$WORK/crypto-server.log" GATEHOUSE_DATA_DIR="$WORK/crypto-data" \
    JDK_JAVA_OPTIONS="-Djava.security.debug=provider,engine=Signature"
  post /v1/auth/login "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" >/dev/null
  at=$(sed -nE 's/.*"access_token":"([^"]+)".*/\1/p' "$WORK/last.json")
  curl -s -o /dev/null -H "Authorization: Bearer $at" "$BASE/v1/auth/me"
  stop_server
  row "server: ES256 Signature providers (JDK debug)" \
    "$(grep -oE 'Signature\.SHA256withECDSA (signing|verification) algorithm from: [A-Za-z]+' "$WORK/crypto-server.log" | sort -u | sed 's/Signature.SHA256withECDSA //' | paste -sd';')"
fi

echo
echo "== summary ($(date -u +%FT%TZ), $(nproc) cores, load now $(load)) =="
cat "$SUMMARY"
[ -z "${BENCH_KEEP:-}" ] || echo "work files kept in $WORK"
