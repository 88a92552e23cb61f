-- Shared by bench/post_call.lua and bench/load_mix.lua: done() output as machine-readable "BENCH " lines,
-- parsed by bench/intake.py's parse_bench_lines (requests, socket errors, latency percentiles, status counts
-- summed over the threads, the first unexpected answer of each thread).

function bench_report(summary, latency, threads)
   local e = summary.errors
   io.write(string.format("BENCH requests=%d duration_us=%d bytes=%d\n",
      summary.requests, summary.duration, summary.bytes))
   io.write(string.format("BENCH errors connect=%d read=%d write=%d status=%d timeout=%d\n",
      e.connect, e.read, e.write, e.status, e.timeout))
   io.write(string.format("BENCH latency_us p50=%d p90=%d p95=%d p99=%d p999=%d max=%d mean=%.1f\n",
      latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
      latency:percentile(99.9), latency.max, latency.mean))
   local total = {}
   for _, thread in ipairs(threads) do
      local counts = thread:get("statuses")
      for status, n in pairs(counts or {}) do
         total[status] = (total[status] or 0) + n
      end
      local failure = thread:get("first_failure")
      if failure and failure ~= "" then
         io.write("BENCH first_failure " .. failure:gsub("[\r\n]", " ") .. "\n")
      end
   end
   local parts = {}
   for status, n in pairs(total) do parts[#parts + 1] = tostring(status) .. "=" .. tostring(n) end
   table.sort(parts)
   io.write("BENCH statuses " .. table.concat(parts, " ") .. "\n")
end
