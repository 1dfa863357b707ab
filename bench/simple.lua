-- wrk script: one fixed request, any method, path, body and headers; counts non-200 answers.
-- Usage: wrk -t2 -c16 -d30s -s bench/simple.lua URL -- <name> <method> <path> [<body> ["Name: value" ...]]
-- <body> may be "" (none). Each further argument is one request header. done() prints the RESULT line that
-- bench/run.sh reads (rps, ok_rps, p50_ms, p99_ms, non200, requests), labelled <name>.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  name = args[1]
  local method, path, body = args[2], args[3], args[4]
  if body == "" then body = nil end
  local headers = {}
  for i = 5, #args do
    local k, v = args[i]:match("^([^:]+):%s*(.*)$")
    if k then headers[k] = v end
  end
  req = wrk.format(method, path, headers, body)
  ok, non200 = 0, 0
end

function request()
  return req
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else non200 = non200 + 1 end
end

function done(summary, latency, requests)
  local ok_, bad, label = 0, 0, threads[1]:get("name")
  for _, t in ipairs(threads) do ok_ = ok_ + t:get("ok"); bad = bad + t:get("non200") end
  local e = summary.errors
  io.write(string.format(
    "RESULT %s rps=%.1f ok_rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d ok=%d non200=%d"
      .. " socket_errors=%d timeouts=%d\n",
    label, summary.requests / (summary.duration / 1e6), ok_ / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000, summary.requests, ok_, bad,
    e.connect + e.read + e.write, e.timeout))
end
