-- wrk script: POST /v1/auth/refresh with rotation.
-- Usage: wrk -t2 -c16 -d30s -s bench/refresh.lua URL -- <tokens-file> <threads>
-- Each line of <tokens-file> is the refresh token of one session (one token chain). The chains are split between the
-- wrk threads; each thread keeps a queue of its chains: request() takes the oldest current token, response() puts the
-- rotated token from the body back. A connection has at most one request in flight, so a thread with at least as
-- many chains as connections never runs dry and every request carries a fresh, valid, never-used token. A non-200
-- ends its chain (its token was spent or rejected); an empty queue sends a known-bad token, counted as "starved".
local threads = {}
local nextid = 0

function setup(thread)
  thread:set("id", nextid)
  nextid = nextid + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  queue, head, tail = {}, 1, 0
  local i = 0
  for line in io.lines(file) do
    if line ~= "" then
      if i % nthreads == id then tail = tail + 1; queue[tail] = line end
      i = i + 1
    end
  end
  chains = tail
  ok, non200, nobody, starved = 0, 0, 0, 0
end

function request()
  local token
  if head <= tail then
    token = queue[head]; queue[head] = nil; head = head + 1
  else
    token = "rt_starved"; starved = starved + 1
  end
  return wrk.format("POST", "/v1/auth/refresh", { ["Content-Type"] = "application/json" },
    '{"refresh_token":"' .. token .. '"}')
end

function response(status, headers, body)
  if status == 200 then
    local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if token then
      ok = ok + 1; tail = tail + 1; queue[tail] = token
    else
      nobody = nobody + 1
    end
  else
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local ok_, bad, nob, starv, ch = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    ok_ = ok_ + t:get("ok"); bad = bad + t:get("non200"); nob = nob + t:get("nobody")
    starv = starv + t:get("starved"); ch = ch + t:get("chains")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT refresh rps=%.1f ok_rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d ok=%d non200=%d"
      .. " no_token=%d starved=%d chains=%d socket_errors=%d timeouts=%d\n",
    summary.requests / (summary.duration / 1e6), ok_ / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests, ok_, bad, nob, starv, ch,
    e.connect + e.read + e.write, e.timeout))
end
