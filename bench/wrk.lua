-- wrk script for bench/reads.py: cycles through the paths of a file (one a
-- line), sends the headers of another ("Name: value" a line), and prints the
-- run's figures in one line wrk's own summary does not have (p95).
-- Usage: wrk ... -s bench/wrk.lua URL -- PATHS_FILE HEADERS_FILE [BODY_FILE]
local paths = {}
local counter = 0
local body = nil

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  for line in io.lines(args[2]) do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
  if args[3] then
    local file = io.open(args[3], "rb")
    body = file:read("*a")
    file:close()
    wrk.method = "POST"
  end
  counter = math.random(#paths)
end

function request()
  counter = counter + 1
  return wrk.format(nil, paths[(counter % #paths) + 1], nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK-RESULT requests=%d duration_us=%d socket_errors=%d status_errors=%d " ..
    "p50_us=%d p90_us=%d p95_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max))
end
