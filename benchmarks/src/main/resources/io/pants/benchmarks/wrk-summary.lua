-- SPDX-License-Identifier: Apache-2.0
-- wrk calls done() once at the end of a run: print the figures the load runner needs as one
-- JSON line, so that it reads numbers wrk computed, not text meant for people.
-- Times are in microseconds, as wrk keeps them.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'wrk-summary {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_timeout":%d,"errors_status":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status))
end
