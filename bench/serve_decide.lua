-- wrk script for bench/serve_bench.sh: POST /v1/decide with varied request
-- bodies (models, countries, end uses, integrations and times cycled).
-- Arguments after "--": [interval_ms]. With an interval, each connection
-- waits that long between requests (a paced, open-ish load: rate =
-- connections * 1000 / interval_ms); without one, as fast as possible.
local models = {"mythos-5", "fable-5", "atlas-2", "small-1", "open-70b", "lumen-3"}
local countries = {"DE", "US", "FR", "CN", "KP", "IN", "BR", "JP", "RU", "GB"}
local uses = {"software-development", "research", "military", "customer-service", "nuclear"}
local integrations = {"api", "chat", "weights", "on-prem"}
local times = {"2026-06-20T12:00:00Z", "2025-03-01T00:00:00Z", "2026-07-01T00:00:00Z"}

local requests = {}
local n = 0
local interval = 0

function init(args)
    interval = tonumber(args[1] or "0") or 0
    local headers = {["Content-Type"] = "application/json"}
    local k = 0
    for _, m in ipairs(models) do
        for ci, c in ipairs(countries) do
            for _, u in ipairs(uses) do
                for _, i in ipairs(integrations) do
                    k = k + 1
                    local nat = countries[(ci + k) % #countries + 1]
                    local t = times[k % #times + 1]
                    local body = string.format(
                        '{"model":"%s","principal":{"id":"user:u%d","org":"org:o%d",' ..
                        '"nationality":"%s","country":"%s"},"destination":"%s",' ..
                        '"use":"%s","integration":"%s","time":"%s"}',
                        m, k, k % 17, nat, c, c, u, i, t)
                    requests[#requests + 1] = wrk.format("POST", "/v1/decide", headers, body)
                end
            end
        end
    end
    n = math.random(#requests)
end

function request()
    n = n % #requests + 1
    return requests[n]
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
