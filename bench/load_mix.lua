-- wrk script for the mixed-load benchmark (bench/load_mix.py runs one wrk process per request kind).
--
-- Environment:
--   BENCH_KIND     intake: POST /api/v1/calls with the bodies of bench/post_call.lua (it is loaded here);
--                  anything else: GET pages listed in BENCH_TARGETS
--   BENCH_TARGETS  (pages) a file of lines "<Cookie header value or Bearer token>\t<path>", written by load_mix.py from the
--                  real id ranges, search words, months and the session cookies of users logged in via the form
--   BENCH_DIR      the bench/ directory (to find post_call.lua)
--   BENCH_TOKEN    (intake) the operator's bearer token
--   BENCH_SEED     number mixed into the per-thread random seed (default 1)
--   BENCH_THINK_MIN_MS, BENCH_THINK_MAX_MS
--                  (optional) think time: each connection waits a random time in this range (uniform, ms)
--                  before each request, like a person reading the page; wrk's latency excludes the wait
--
-- Every request of a page kind is drawn at random from the targets (so ids, filters and users mix). Each wrk
-- process measures one kind, so wrk's own latency histogram is that kind's exact distribution.
-- done() prints machine-readable "BENCH " lines: requests, socket errors, p50/p90/p95/p99/max, status counts.

local kind = os.getenv("BENCH_KIND") or ""
local bench_dir = os.getenv("BENCH_DIR") or "bench"
local threads = {}

if kind == "intake" then
   -- post_call.lua defines setup/init/request/response (201 expected) and a done() we replace below.
   dofile(bench_dir .. "/post_call.lua")
   local base_setup = setup
   setup = function(thread)
      base_setup(thread)
      table.insert(threads, thread)
   end
else
   local thread_counter = 0
   local targets = {}
   local count = 0
   statuses = {}
   first_failure = ""

   setup = function(thread)
      thread_counter = thread_counter + 1
      thread:set("tid", thread_counter)
      table.insert(threads, thread)
   end

   init = function(args)
      local name = os.getenv("BENCH_TARGETS")
      local file = assert(io.open(name or "", "r"), "BENCH_TARGETS: cannot open " .. tostring(name))
      for line in file:lines() do
         local cookie, path = line:match("^([^\t]*)\t(.+)$")
         if path then
            count = count + 1
            local headers = { ["Accept"] = "text/html", ["Accept-Language"] = "zh-CN,zh;q=0.9" }
            -- "Bearer <token>" (bench/national.py: API users) goes in Authorization, anything else is a Cookie
            if string.sub(cookie, 1, 7) == "Bearer " then headers["Authorization"] = cookie
            elseif cookie ~= "" then headers["Cookie"] = cookie end
            targets[count] = wrk.format("GET", path, headers)
         end
      end
      file:close()
      assert(count > 0, "BENCH_TARGETS has no targets")
      local seed = tonumber(os.getenv("BENCH_SEED") or "1") or 1
      math.randomseed(seed * 1000003 + (tid or 0) * 7919)
   end

   request = function()
      return targets[math.random(count)]
   end

   response = function(status, headers, body)
      statuses[status] = (statuses[status] or 0) + 1
      if status ~= 200 and first_failure == "" then
         local where = headers and (headers["Location"] or headers["location"]) or ""
         first_failure = tostring(status) .. " " .. where .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

local think_min = tonumber(os.getenv("BENCH_THINK_MIN_MS") or "") or 0
local think_max = tonumber(os.getenv("BENCH_THINK_MAX_MS") or "") or 0
if think_max > 0 then
   delay = function()
      return math.random(think_min, think_max)
   end
end

dofile(bench_dir .. "/wrk_report.lua")

function done(summary, latency, requests_stats)
   bench_report(summary, latency, threads)
end
