#!/usr/bin/env bash
# A/B of the code flow on two running Gatehouse servers on this machine, to tell a code change from the host's own
# drift: warms each with AB_WARMUP (150) seconds of sign-ins, then alternates AB_ROUNDS (3) runs of AB_SECONDS (20)
# seconds of complete authorization code + PKCE sign-ins (CodeFlowRate, 4 browsers, as in bench/run.sh) and prints
# sign-ins/s and the server's, PostgreSQL's and the client's CPU per sign-in for each run. Both servers hash with the
# same Argon2id parameters, so a difference in the server's CPU per sign-in is the rest of the sign-in.
#
# Usage: AB_ADMIN_EMAIL=... AB_ADMIN_PASSWORD=... bench/ab-codeflow.sh <port A> <env A> <port B> <env B>
#   each env file is the output of bench/oauth-setup.py against that server, signed in as that administrator;
#   needs the bench classes (./mvnw -q test-compile) and target/gatehouse.jar of this checkout for the client.
# Example (docs/benchmarks.md, 2026-12-07 13:20): two checkouts' bin/gatehouse on :8181 and :8182, each on a
#   PostgreSQL database of its own, GATEHOUSE_RATE_LIMITS=off.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 4 ] || { sed -n '2,12p' "$0"; exit 2; }
: "${AB_ADMIN_EMAIL:?}" "${AB_ADMIN_PASSWORD:?}"
JAVA=${JAVA:-$( [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && echo /usr/lib/jvm/temurin-25-jdk-amd64/bin/java || echo java)}
declare -A PORT=([a]=$1 [b]=$3) ENV=([a]=$2 [b]=$4)
pid_of() { ss -ltnp "sport = :$1" | sed -nE 's/.*pid=([0-9]+).*/\1/p' | head -1; }
flow() { # flow <side> <warm-up seconds> <seconds>
  local side=$1
  (
    # shellcheck disable=SC1090
    . "${ENV[$side]}"
    "$JAVA" -XX:TieredStopAtLevel=1 -cp target/test-classes:target/gatehouse.jar dev.gatehouse.bench.CodeFlowRate \
      "http://127.0.0.1:${PORT[$side]}" "$WEB_CLIENT_ID" "$WEB_AUTH" "$WEB_REDIRECT_URI" "$PKCE_CHALLENGE" \
      "$PKCE_VERIFIER" "$AB_ADMIN_EMAIL" "$AB_ADMIN_PASSWORD" 4 "$2" "$3" "$(pid_of "${PORT[$side]}")" | grep '^RESULT'
  )
}
report() { # report <side> <RESULT line>
  python3 - "$1" "$2" <<'PY'
import re, sys
side, out = sys.argv[1:]
f = dict(re.findall(r"(\w+)=([0-9.]+)", out))
print(f"{side}: {float(f['ok_rps']):6.1f} sign-ins/s, failed {f['non200']}, CPU per sign-in: server {float(f['server_ms']):5.2f} ms,"
      f" PostgreSQL {float(f['pg_ms']):4.2f} ms, client {float(f['client_ms']):4.2f} ms")
PY
}
for side in a b; do
  echo "warming $side for ${AB_WARMUP:-150} s" >&2
  flow "$side" "${AB_WARMUP:-150}" 1 >/dev/null
done
for round in $(seq 1 "${AB_ROUNDS:-3}"); do
  for side in a b; do
    report "$side round $round" "$(flow "$side" 3 "${AB_SECONDS:-20}")"
  done
done
