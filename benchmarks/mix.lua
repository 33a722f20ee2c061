-- A mix of requests for wrk, written by benchmarks/reliability.py:
--
--   wrk -t2 -c16 -d20s -s benchmarks/mix.lua http://127.0.0.1:PORT -- MIX_FILE [LIMIT]
--
-- MIX_FILE holds one request a line, "ACCEPT<tab>PATH"; each connection's requests go
-- round it, the threads starting at different lines. With LIMIT, each thread stops after
-- LIMIT answers and says so on standard error ("mix-stopped"): wrk itself only stops on time
-- or on SIGINT, which the caller sends once every thread has stopped. At the end one line is
-- printed, "mix-result {...}": the answers counted by status, the requests, the socket errors
-- and the latency percentiles in microseconds (of every answer, whatever its status).

local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("id", count)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  for line in io.lines(args[1]) do
    local accept, path = line:match("^([^\t]+)\t(.+)$")
    if path then
      table.insert(requests, wrk.format("GET", path, { ["Accept"] = accept }))
    end
  end
  limit = tonumber(args[2] or "0") or 0
  statuses = {}
  answers = 0
  position = (id or 1) - 1
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  answers = answers + 1
  if limit > 0 and answers == limit then
    io.stderr:write("mix-stopped\n")
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local counted = {}
  for status, n in pairs(total) do
    table.insert(counted, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'mix-result {"requests": %d, "duration_us": %d, "statuses": {%s}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, table.concat(counted, ", "),
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
