-- wrk script: one fixed request, any method, path, body and headers; wrk builds it once per thread and sends it as is.
-- Usage: wrk -t2 -c16 -d30s -s bench/simple.lua URL -- <name> <method> <path> [<body> ["Name: value" ...]]
-- <body> may be "" (none). Each further argument is one request header. done() prints the RESULT line that
-- bench/run.sh reads (rps, ok_rps, p50_ms, p99_ms, errors, requests), labelled <name>.
--
-- No request() or response() function on purpose: with either, wrk calls into Lua for every request, and with
-- response() it also collects every answer's headers and body for it (wrk's SCRIPTING notes both as expensive). That
-- is load-generator CPU taken from the server on the same cores (A/B in docs/benchmarks.md). Answers are checked by
-- wrk's own count of statuses >= 400 ("errors"); run.sh checks that each measured request answers 200 before its row.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  name = args[1]
  wrk.method, wrk.path = args[2], args[3]
  if args[4] ~= "" then wrk.body = args[4] end
  for i = 5, #args do
    local k, v = args[i]:match("^([^:]+):%s*(.*)$")
    if k then wrk.headers[k] = v end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT %s rps=%.1f ok_rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d errors=%d"
      .. " socket_errors=%d timeouts=%d\n",
    threads[1]:get("name"), summary.requests / secs, (summary.requests - e.status) / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, e.status, e.connect + e.read + e.write, e.timeout))
end
