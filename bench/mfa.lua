-- wrk script: POST /v1/auth/login/mfa, completing pending sign-ins with a TOTP code.
-- Usage: wrk -t2 -c16 -d10s -s bench/mfa.lua URL -- <pending-file> <threads>
-- Each line of <pending-file> is "<mfa_token> <code>" (bench/mfa-setup.py); a pending sign-in completes once, so
-- every request takes the next unused line of its thread's share. When a thread's share is used up it sends a
-- known-bad token, counted as "starved" (the run was longer than the file allows: give more BENCH_MFA_USERS).
local threads = {}
local nextid = 0

function setup(thread)
  thread:set("id", nextid)
  nextid = nextid + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  lines, head, tail = {}, 1, 0
  local i = 0
  for line in io.lines(file) do
    if line ~= "" then
      if i % nthreads == id then tail = tail + 1; lines[tail] = line end
      i = i + 1
    end
  end
  ok, non200, nobody, starved = 0, 0, 0, 0
end

function request()
  local token, code = "mfa_starved", "000000"
  if head <= tail then
    token, code = lines[head]:match("^(%S+) (%d+)$"); lines[head] = nil; head = head + 1
  else
    starved = starved + 1
  end
  return wrk.format("POST", "/v1/auth/login/mfa", { ["Content-Type"] = "application/json" },
    '{"mfa_token":"' .. token .. '","code":"' .. code .. '"}')
end

function response(status, headers, body)
  if status == 200 then
    if body:find('"access_token"', 1, true) then ok = ok + 1 else nobody = nobody + 1 end
  else
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local ok_, bad, nob, starv = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    ok_ = ok_ + t:get("ok"); bad = bad + t:get("non200"); nob = nob + t:get("nobody"); starv = starv + t:get("starved")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT mfa rps=%.1f ok_rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d ok=%d non200=%d"
      .. " no_token=%d starved=%d socket_errors=%d timeouts=%d\n",
    summary.requests / (summary.duration / 1e6), ok_ / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000, summary.requests, ok_, bad, nob,
    starv, e.connect + e.read + e.write, e.timeout))
end
