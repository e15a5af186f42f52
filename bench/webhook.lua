-- bench/webhook.lua — wrk script for bench/webhook.sh: every request POSTs
-- the AdmissionReview in $BENCH_BODY (application/json) over wrk's
-- keep-alive connections; at the end one line "BENCH_JSON {...}" with
-- requests/s, p50/p99 latency (ms) and the error count.
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
    local e = summary.errors
    local errors = e.connect + e.read + e.write + e.timeout + e.status
    io.write(string.format(
        "BENCH_JSON {\"requests\": %d, \"rps\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"errors\": %d}\n",
        summary.requests, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
