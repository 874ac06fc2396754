-- wrk script: GET /errors/{code} for a code picked at random, per request,
-- from a list read at init (one code a line; the requests are formatted
-- once there, so the client spends its time on the network, not in lua).
--
--   wrk -t2 -c64 -d10s -s bench/lookup.lua http://127.0.0.1:8081 -- codes.txt [gzip]
--
-- With "gzip" the requests say Accept-Encoding: gzip.
--
-- done() prints one machine-readable line for bench/run.sh:
--   RESULT requests/s p50_ms p99_ms requests non2xx socket_errors
local codes = {}
local thread_seed = 0

function setup(thread)
  thread_seed = thread_seed + 1
  thread:set("seed", thread_seed)
end

function init(args)
  local path = args[1] or "codes.txt"
  if args[2] == "gzip" then
    wrk.headers["Accept-Encoding"] = "gzip"
  end
  for line in io.lines(path) do
    if line ~= "" then
      codes[#codes + 1] = wrk.format("GET", "/errors/" .. line)
    end
  end
  if #codes == 0 then
    error("no codes in " .. path)
  end
  math.randomseed(os.time() * 1000 + (seed or 0))
end

function request()
  return codes[math.random(#codes)]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
