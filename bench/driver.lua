-- The wrk driver of bench/load.py: one script for every scenario.
--
--   wrk -t T -c C -d D -s bench/driver.lua URL \
--       -- <scenario.lua> <requests.tsv> <offset> <T> <renew> <C / T>
--
-- <scenario.lua> (written by load.py) returns a table: the tokens, whether the
-- request list is rotated forever (`cycle`) or may run dry (the pick pool),
-- the idempotency-key prefix of keyed mutations, and what every answer must
-- and must not contain. <requests.tsv> holds one prepared request a line:
-- "<token index>\t<body before the key>\t<body after the key>" (JSON never
-- holds a raw tab or newline, so the split is safe).
--
-- Request i (0-based, across all threads) of a run is entry
-- offset + counter * T + thread, so the threads never send the same entry and
-- a second run (the measurement after the warm-up) continues where the first
-- stopped: load.py passes the next offset, computed from `sent`.
--
-- Connections are kept open, but a request now and then asks the server to
-- close its connection (`Connection: close`; wrk reconnects at once): each
-- connection's first request, then every <renew>th request of a thread (0:
-- never after the first). The workers of a multi-worker server share one
-- listening socket and a new connection goes to whichever accepts first,
-- usually an idle one; so the load spreads over the workers as behind a load
-- balancer, instead of staying wherever wrk's burst of connects landed.
--
-- Every answer is checked here, in response(): HTTP 200, no GraphQL "errors",
-- no non-empty "userErrors", the expected patterns. The counts are read from
-- each thread in done() (the setup(thread) pattern) and printed as one line,
-- "BENCH-RESULT {json}", that load.py parses.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local function read_requests(path)
  local entries = {}
  for line in io.lines(path) do
    local token, head, tail = line:match("^(%d+)\t([^\t]*)\t(.*)$")
    if token == nil then
      error("bad request line in " .. path)
    end
    entries[#entries + 1] = { tonumber(token), head, tail }
  end
  return entries
end

function init(args)
  config = dofile(args[1])
  entries = read_requests(args[2])
  offset = tonumber(args[3])
  stride = tonumber(args[4])
  renew = tonumber(args[5])
  first_requests = tonumber(args[6])  -- one per connection of this thread
  counter = 0
  sent = 0
  exhausted = 0
  ok, http_errors, graphql_errors, user_errors, unexpected = 0, 0, 0, 0, 0
  samples = {}
  headers = {}
  for index, token in ipairs(config.tokens) do
    headers[index] = {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
    }
  end
  -- Bodies without a key never change: format each request once, up front.
  formatted = {}
  if config.key_prefix == nil then
    for index, entry in ipairs(entries) do
      formatted[index] = wrk.format("POST", config.path, headers[entry[1] + 1], entry[2])
    end
  end
end

local function build(index)
  local position
  if config.cycle then
    position = index % #entries + 1
  elseif index < #entries then
    position = index + 1
  else
    -- The pool ran dry: send the request the server must refuse, so the
    -- answer is counted as an error, and say why in the report.
    exhausted = exhausted + 1
    return wrk.format("POST", config.path, headers[1], config.exhausted_body)
  end
  if config.key_prefix == nil then
    return formatted[position]
  end
  local entry = entries[position]
  local body = entry[2] .. config.key_prefix .. index .. entry[3]
  return wrk.format("POST", config.path, headers[entry[1] + 1], body)
end

local function renewing(request)
  return (request:gsub("\r\n", "\r\nConnection: close\r\n", 1))
end

function request()
  local index = offset + counter * stride + thread_index
  counter = counter + 1
  sent = counter
  if counter <= first_requests or (renew > 0 and counter % renew == 0) then
    return renewing(build(index))
  end
  return build(index)
end

local function count(body, pattern)
  local found, position = 0, 1
  while true do
    local first, last = body:find(pattern, position)
    if first == nil then
      return found
    end
    found = found + 1
    position = last + 1
  end
end

local function sample(kind, status, body)
  if #samples < 3 then
    samples[#samples + 1] = kind .. " (HTTP " .. status .. "): " .. body:sub(1, 300)
  end
end

function response(status, headers, body)
  if status ~= 200 then
    http_errors = http_errors + 1
    sample("http", status, body)
    return
  end
  if body:find('"errors"%s*:') then
    graphql_errors = graphql_errors + 1
    sample("errors", status, body)
    return
  end
  if body:find('"userErrors"%s*:%s*%[%s*{') then
    user_errors = user_errors + 1
    sample("userErrors", status, body)
    return
  end
  for _, rule in ipairs(config.expect) do
    if count(body, rule[1]) ~= rule[2] then
      unexpected = unexpected + 1
      sample("expected " .. rule[2] .. " x " .. rule[1], status, body)
      return
    end
  end
  for _, pattern in ipairs(config.forbid) do
    if body:find(pattern) then
      unexpected = unexpected + 1
      sample("forbidden " .. pattern, status, body)
      return
    end
  end
  ok = ok + 1
end

local function quote(text)
  local escaped = text:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. escaped .. '"'
end

function done(summary, latency, requests)
  local totals = { ok = 0, http = 0, graphql = 0, user = 0, unexpected = 0, exhausted = 0 }
  local sent_max = 0
  local all_samples = {}
  for _, thread in ipairs(threads) do
    totals.ok = totals.ok + thread:get("ok")
    totals.http = totals.http + thread:get("http_errors")
    totals.graphql = totals.graphql + thread:get("graphql_errors")
    totals.user = totals.user + thread:get("user_errors")
    totals.unexpected = totals.unexpected + thread:get("unexpected")
    totals.exhausted = totals.exhausted + thread:get("exhausted")
    sent_max = math.max(sent_max, thread:get("sent"))
    for _, text in ipairs(thread:get("samples")) do
      all_samples[#all_samples + 1] = quote(text)
    end
  end
  local e = summary.errors
  local parts = {
    string.format('"requests":%d,"duration_us":%d,"bytes":%d', summary.requests,
      summary.duration, summary.bytes),
    string.format('"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d',
      e.connect, e.read, e.write, e.timeout),
    string.format('"ok":%d,"http_errors":%d,"graphql_errors":%d,"user_errors":%d',
      totals.ok, totals.http, totals.graphql, totals.user),
    string.format('"unexpected":%d,"exhausted":%d,"sent_max":%d,"threads":%d',
      totals.unexpected, totals.exhausted, sent_max, #threads),
    string.format('"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d',
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
      latency.max),
    '"samples":[' .. table.concat(all_samples, ",") .. "]",
  }
  io.write("BENCH-RESULT {" .. table.concat(parts, ",") .. "}\n")
end
