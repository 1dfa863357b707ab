-- wrk script: POST /v1/auth/login with correct credentials, round-robin over the bench users.
-- Usage: wrk -t2 -c16 -d30s -s bench/login.lua URL -- <users-file>
-- Each line of <users-file> is "email password". Counts non-200 answers.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    local email, password = line:match("^(%S+)%s+(%S+)$")
    if email then
      table.insert(bodies, '{"email":"' .. email .. '","password":"' .. password .. '"}')
    end
  end
  n = 0
  ok, non200 = 0, 0
end

function request()
  n = n + 1
  return wrk.format("POST", "/v1/auth/login", { ["Content-Type"] = "application/json" },
    bodies[(n % #bodies) + 1])
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else non200 = non200 + 1 end
end

function done(summary, latency, requests)
  local ok_, bad = 0, 0
  for _, t in ipairs(threads) do ok_ = ok_ + t:get("ok"); bad = bad + t:get("non200") end
  local e = summary.errors
  io.write(string.format(
    "RESULT login rps=%.1f ok_rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d ok=%d non200=%d"
      .. " socket_errors=%d timeouts=%d\n",
    summary.requests / (summary.duration / 1e6), ok_ / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests, ok_, bad,
    e.connect + e.read + e.write, e.timeout))
end
