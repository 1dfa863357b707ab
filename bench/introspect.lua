-- wrk script: POST /oauth2/introspect (RFC 7662), client-authenticated, cycling through a pool of access tokens.
-- Usage: wrk -t2 -c16 -d30s -s bench/introspect.lua URL -- <tokens-file> <authorization-header-value> <threads>
-- Each line of <tokens-file> is one access token; every thread cycles through the whole pool from its own offset,
-- so consecutive requests carry different tokens. Counts 200 answers with "active":true ("active") apart from the
-- others (200 with active false, "inactive"; any other status, "non200").
local threads = {}
local nextid = 0

function setup(thread)
  thread:set("id", nextid)
  nextid = nextid + 1
  table.insert(threads, thread)
end

function init(args)
  local auth, nthreads = args[2], tonumber(args[3])
  local headers = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = auth }
  reqs = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(reqs, wrk.format("POST", "/oauth2/introspect", headers,
        "token=" .. line .. "&token_type_hint=access_token"))
    end
  end
  pool = #reqs
  n = math.floor(pool * id / nthreads)
  active, inactive, non200 = 0, 0, 0
end

function request()
  n = n + 1
  return reqs[(n % pool) + 1]
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  elseif body:find('"active"%s*:%s*true') then
    active = active + 1
  else
    inactive = inactive + 1
  end
end

function done(summary, latency, requests)
  local act, inact, bad = 0, 0, 0
  for _, t in ipairs(threads) do act = act + t:get("active"); inact = inact + t:get("inactive"); bad = bad + t:get("non200") end
  local e = summary.errors
  io.write(string.format(
    "RESULT introspect rps=%.1f ok_rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d active=%d"
      .. " inactive=%d non200=%d pool=%d socket_errors=%d timeouts=%d\n",
    summary.requests / (summary.duration / 1e6), act / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000, summary.requests, act, inact,
    bad, threads[1]:get("pool"), e.connect + e.read + e.write, e.timeout))
end
