-- wrk script for bench/serve_bench.sh: the same POST as serve_decide.lua
-- sends, to nginx answering a fixed 200, so both sides parse a body.
-- Arguments after "--": [interval_ms], as in serve_decide.lua.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"mythos-5","principal":{"id":"user:u1","org":"org:o1","nationality":"DE",' ..
           '"country":"DE"},"destination":"DE","use":"research","integration":"api",' ..
           '"time":"2026-06-20T12:00:00Z"}'

local interval = 0

function init(args)
    interval = tonumber(args[1] or "0") or 0
end

function delay()
    return interval
end

function done(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                   summary.errors.status + summary.errors.timeout
    io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d errors=%d\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(50),
        latency:percentile(99), errors))
end
