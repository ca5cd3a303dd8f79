-- wrk script: one line with the latency percentiles (ms) and the count of failed requests.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT p50=%.1f p95=%.1f p99=%.1f requests=%d errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout))
end
