#!/usr/bin/env bash
# A/B of two running Gatehouse servers on this machine, to tell a code change from the host's own drift: warms both,
# then alternates 10 s wrk runs (2 threads, 16 connections, bench/simple.lua) of client_credentials (ES256),
# introspection of a client-credentials token, userinfo and discovery, three rounds, and prints requests/s and the
# server's CPU per request (from /proc) for each run.
#
# Usage: bench/ab-alternate.sh <port A> <env A> <port B> <env B>
#   each env file is the output of bench/oauth-setup.py against that server (CC_AUTH, USER_ACCESS_TOKEN);
#   AB_SECONDS (default 10) sets the length of each measured run.
# Example (docs/benchmarks.md, 2026-12-07 03:08): two checkouts' bin/gatehouse on :8181 and :8182, H2,
#   GATEHOUSE_RATE_LIMITS=off, then bench/oauth-setup.py http://localhost:8181 <admin> <password> > a.env, and for B.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 4 ] || { sed -n '2,10p' "$0"; exit 2; }
declare -A PORT=([a]=$1 [b]=$3) ENV=([a]=$2 [b]=$4) PID CC AT CCT
pid_of() { ss -ltnp "sport = :$1" | sed -nE 's/.*pid=([0-9]+).*/\1/p' | head -1; }
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; } # user + system time, in clock ticks (100 per second)
for side in a b; do
  PID[$side]=$(pid_of "${PORT[$side]}")
  CC[$side]=$(sed -nE "s/^CC_AUTH='?([^']*)'?$/\1/p" "${ENV[$side]}")
  AT[$side]=$(sed -nE "s/^USER_ACCESS_TOKEN='?([^']*)'?$/\1/p" "${ENV[$side]}")
  CCT[$side]=$(curl -s -X POST "localhost:${PORT[$side]}/oauth2/token" -H "Authorization: ${CC[$side]}" \
    -d grant_type=client_credentials | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')
done
FORM="Content-Type: application/x-www-form-urlencoded"
run() { # <side> <name> <seconds> <simple.lua arguments...>
  local side=$1 name=$2 secs=$3 c0 c1 out
  shift 3
  c0=$(cpu "${PID[$side]}")
  out=$(wrk -t2 -c16 -d"${secs}s" --timeout 10s -s bench/simple.lua "http://127.0.0.1:${PORT[$side]}" -- "$name" "$@" \
    | grep RESULT)
  c1=$(cpu "${PID[$side]}")
  python3 - "$side" "$name" "$c0" "$c1" "$out" <<'PY'
import re, sys
side, name, c0, c1, out = sys.argv[1:]
f = dict(re.findall(r"(\w+)=([0-9.]+)", out))
n = max(int(f["requests"]), 1)
print(f"{side} {name}: {float(f['rps']):9.0f} req/s, server {(int(c1) - int(c0)) * 10000 / n:5.1f} us/request, errors {f['errors']}")
PY
}
requests() { # <side> <seconds> <prefix>: the four measured requests
  local s=$1 secs=$2 p=$3
  run "$s" "${p}cc-es256" "$secs" POST /oauth2/token grant_type=client_credentials "$FORM" "Authorization: ${CC[$s]}"
  run "$s" "${p}introspect-cc" "$secs" POST /oauth2/introspect "token=${CCT[$s]}" "$FORM" "Authorization: ${CC[$s]}"
  run "$s" "${p}userinfo" "$secs" GET /oauth2/userinfo "" "Authorization: Bearer ${AT[$s]}"
  run "$s" "${p}discovery" "$secs" GET /.well-known/openid-configuration ""
}
for side in a b; do requests "$side" "$(( (${AB_SECONDS:-10} + 1) / 2 ))" warm- >/dev/null; done
for round in 1 2 3; do
  for side in a b; do requests "$side" "${AB_SECONDS:-10}" ""; done
done
