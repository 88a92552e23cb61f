-- wrk script for the intake benchmark (bench/intake.py runs it): POSTs realistic, varied calls.
--
-- Environment:
--   BENCH_TOKEN   bearer token (the product); unset or empty: no Authorization header (the floor)
--   BENCH_SEED    number mixed into the per-thread random seed (default 1)
--
-- Every thread builds POOL request bodies in init() (so generating them costs nothing while measuring)
-- and cycles through them. The phone numbers, accused parties and patent numbers come from shared
-- pools built from a fixed seed, so the same callers and parties recur: the caller upsert, the
-- repeat-caller lookup and the duplicate check find real matches. Patent numbers carry valid check
-- characters (weights 2..9,2..5, sum mod 11, 10 -> X). received_at is within the last 5 days, +08:00.
--
-- done() prints machine-readable lines starting with "BENCH " (exact percentiles and status counts).

local POOL = 2000

local threads = {}
local thread_counter = 0

function setup(thread)
   thread_counter = thread_counter + 1
   thread:set("tid", thread_counter)
   table.insert(threads, thread)
end

-- JSON -----------------------------------------------------------------------------------------------

local function json_string(s)
   s = s:gsub('[%c"\\]', function(c)
      if c == '"' then return '\\"' end
      if c == "\\" then return "\\\\" end
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. s .. '"'
end

local FIELD_ORDER = {
   "received_at", "channel", "request_type", "ip_type", "region_code",
   "caller_name", "caller_phone", "accused_party", "patent_number", "summary",
}

local function encode_call(call)
   local parts = {}
   for _, key in ipairs(FIELD_ORDER) do
      local value = call[key]
      local encoded
      if value == nil then encoded = "null" else encoded = json_string(value) end
      parts[#parts + 1] = json_string(key) .. ":" .. encoded
   end
   return "{" .. table.concat(parts, ",") .. "}"
end

-- Data -------------------------------------------------------------------------------------------------

local function pick(list) return list[math.random(#list)] end

-- weighted: { {value, weight}, ... }
local function pick_weighted(list)
   local total = 0
   for _, item in ipairs(list) do total = total + item[2] end
   local r = math.random() * total
   for _, item in ipairs(list) do
      r = r - item[2]
      if r <= 0 then return item[1] end
   end
   return list[#list][1]
end

local function digits(n)
   local out = {}
   for i = 1, n do out[i] = tostring(math.random(0, 9)) end
   return table.concat(out)
end

local WEIGHTS = { 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 }

function patent_check_character(d)
   local total = 0
   for i = 1, #d do
      total = total + tonumber(d:sub(i, i)) * WEIGHTS[i]
   end
   local r = total % 11
   if r == 10 then return "X" end
   return tostring(r)
end

local REGIONS = {
   "430000", "430100", "430200", "430300", "430400", "430500", "430600", "430700",
   "430800", "430900", "431000", "431100", "431200", "431300", "433100",
}
local CHANNELS = {
   { "phone", 70 }, { "wechat", 8 }, { "web", 6 }, { "email", 2 }, { "letter", 2 }, { "visit", 4 },
   { "exhibition", 2 }, { "transfer_12345", 5 }, { "transfer_other", 1 },
}
local REQUEST_TYPES = {
   { "consultation", 55 }, { "report", 15 }, { "complaint", 20 }, { "aid_request", 7 }, { "other", 3 },
}
local IP_TYPES = {
   { "patent", 40 }, { "trademark", 30 }, { "copyright", 10 }, { "trade_secret", 3 }, { "geo_indication", 3 },
   { "plant_variety", 2 }, { "ic_layout", 1 }, { "special_mark", 1 }, { "criminal", 2 }, { "other", 8 },
}
local IP_LABELS = {
   patent = "专利", trademark = "商标", copyright = "著作权", trade_secret = "商业秘密", geo_indication = "地理标志",
   plant_variety = "植物新品种", ic_layout = "集成电路布图设计", special_mark = "特殊标志", criminal = "知识产权", other = "知识产权",
}
local SURNAMES = { "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
   "谭", "彭", "曾", "邓", "欧阳" }
local GIVEN = { "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "桂兰",
   "志强", "建华", "晓燕", "海燕", "国平", "湘云" }
local CITIES = { "长沙", "株洲", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州", "永州", "怀化", "娄底", "湘西" }
local TRADE = { "恒信", "华瑞", "鑫源", "金桥", "宏达", "天成", "佳美", "润泽", "博远", "星辰", "湘江", "楚天", "芙蓉", "岳麓", "洞庭" }
local TRADE_KIND = { "电子科技", "家居用品", "机械制造", "食品", "医疗器械", "服饰", "农业科技", "建材", "文化传媒", "汽车配件" }
local SUFFIX = { "有限公司", "有限责任公司", "商贸有限公司", "经营部" }
local PRODUCTS = { "电动牙刷", "空气净化器", "保温杯", "LED台灯", "儿童座椅", "茶叶", "辣椒酱", "电饭煲", "运动鞋", "手机壳",
   "充电器", "中药饮片", "农用喷雾器", "防盗门锁", "湘绣工艺品" }
-- By request type; %s are filled with (accused party, product, IP label) in that order.
local SUMMARIES = {
   consultation = { "咨询%s生产的%s是否侵犯其%s，询问维权途径。", "来电咨询：%s销售的%s与其%s相似，如何确认侵权。" },
   report = { "举报%s销售的%s涉嫌假冒%s，并提供了购买凭证。", "举报%s在网店销售的%s涉嫌侵犯%s，请求查处。" },
   complaint = { "投诉%s在展会上展出的%s仿冒其%s，要求现场处理。", "投诉%s在电商平台销售的%s侵犯其%s，要求下架。" },
   aid_request = { "申请维权援助：%s生产的%s涉嫌侵犯其%s，请求提供咨询意见。" },
   other = { "来电反映%s的%s存在%s问题，已告知相关渠道。" },
}
local MOBILE_PREFIXES = { "138", "139", "135", "136", "137", "150", "151", "158", "186", "187", "188", "177", "182", "131" }

local PHONES, PARTIES, PATENTS = {}, {}, {}

local function format_mobile(n)
   local style = math.random(10)
   if style <= 6 then return n end
   if style <= 8 then return n:sub(1, 3) .. " " .. n:sub(4, 7) .. " " .. n:sub(8, 11) end
   if style == 9 then return "+86 " .. n end
   return n:sub(1, 3) .. "-" .. n:sub(4, 7) .. "-" .. n:sub(8, 11)
end

local function build_shared_pools()
   math.randomseed(12330)
   for i = 1, 400 do                                        -- 400 callers: most call more than once
      local kind = math.random(10)
      if kind <= 7 then
         PHONES[i] = format_mobile(pick(MOBILE_PREFIXES) .. digits(8))
      elseif kind <= 9 then
         PHONES[i] = "0731-8" .. digits(7)                 -- Changsha landline
      else
         PHONES[i] = "8" .. digits(7)                        -- local number, 0731 assumed
      end
   end
   for i = 1, 80 do
      PARTIES[i] = pick(CITIES) .. "市" .. pick(TRADE) .. pick(TRADE_KIND) .. pick(SUFFIX)
   end
   for i = 1, 200 do
      local d = tostring(math.random(2004, 2023)) .. tostring(pick({ 1, 2, 3 })) .. digits(7)
      local check = patent_check_character(d)
      local style = math.random(4)
      if style == 1 then PATENTS[i] = "ZL" .. d .. "." .. check
      elseif style == 2 then PATENTS[i] = d .. "." .. check
      elseif style == 3 then PATENTS[i] = "ZL " .. d:sub(1, 4) .. " " .. d:sub(5, 5) .. " " .. d:sub(6) .. "." .. check
      else PATENTS[i] = "CN" .. d .. check end
   end
end

local function iso_local(epoch)
   -- +08:00 wall time, computed from UTC so the machine's time zone does not matter
   return os.date("!%Y-%m-%dT%H:%M:%S", epoch + 8 * 3600) .. "+08:00"
end

local function make_call(now)
   local ip_type = pick_weighted(IP_TYPES)
   local request_type = pick_weighted(REQUEST_TYPES)
   local party = pick(PARTIES)
   local summary = string.format(pick(SUMMARIES[request_type]), party, pick(PRODUCTS), IP_LABELS[ip_type])
   local patent = nil
   if ip_type == "patent" then patent = pick(PATENTS) end
   return {
      received_at = iso_local(now - math.random(60, 5 * 86400)),
      channel = pick_weighted(CHANNELS),
      request_type = request_type,
      ip_type = ip_type,
      region_code = pick(REGIONS),
      caller_name = pick(SURNAMES) .. pick(GIVEN),
      caller_phone = pick(PHONES),
      accused_party = party,
      patent_number = patent,
      summary = summary,
   }
end

-- wrk hooks --------------------------------------------------------------------------------------------

local requests = {}
local next_index = 1
statuses = {}
first_failure = ""

function init(args)
   build_shared_pools()
   local seed = tonumber(os.getenv("BENCH_SEED") or "1") or 1
   math.randomseed(seed * 1000003 + (tid or 0) * 7919)
   local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
   local token = os.getenv("BENCH_TOKEN")
   if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
   local now = os.time()
   for i = 1, POOL do
      requests[i] = wrk.format("POST", wrk.path, headers, encode_call(make_call(now)))
   end
   next_index = math.random(POOL)
end

function request()
   local r = requests[next_index]
   next_index = next_index + 1
   if next_index > POOL then next_index = 1 end
   return r
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status ~= 201 and first_failure == "" then
      first_failure = tostring(status) .. " " .. string.sub(body or "", 1, 300)
   end
end

-- The report (BENCH lines) is shared with load_mix.lua: bench/wrk_report.lua, next to this file.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

function done(summary, latency, requests_stats)
   bench_report(summary, latency, threads)
end
