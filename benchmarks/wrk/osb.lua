-- wrk script for the OSB yardstick (see ../README.md, "wrk: the Service Manager against nginx").
--
--   wrk -t N -c N -s osb.lua URL -- MODE PREFIX AUTHORIZATION TAG
--
-- MODE "cycle": every connection PUTs /v2/service_instances/<fresh id>, then DELETEs that id,
-- and so on; a PUT must answer 201, a DELETE 200. MODE "catalog": GET /v2/catalog, 200.
-- PREFIX is put before every path ("" for a broker, "/v1/osb/<broker id>" for the Service
-- Manager), AUTHORIZATION is sent as is, TAG makes the instance ids of this run unique.
-- Run one connection per thread (-t equal to -c): a thread's state is then its connection's,
-- so each DELETE names the instance its own connection just made.
-- Any other status counts as an error; done() prints one machine-readable line.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local mode, prefix, tag, headers, catalog_request
local next_is_put = true
local expected = 0
-- Globals, not locals: done() reads them from each thread with thread:get().
errors = 0
first_error = ""

local SERVICE_ID = "service-1"
local PLAN_ID = "plan-1-1"
local BODY = '{"service_id":"' .. SERVICE_ID .. '","plan_id":"' .. PLAN_ID .. '",'
  .. '"organization_guid":"org-1","space_guid":"space-1",'
  .. '"context":{"platform":"kubernetes","namespace":"bench"},"parameters":{"size":"small"}}'
local QUERY = "?service_id=" .. SERVICE_ID .. "&plan_id=" .. PLAN_ID

function init(args)
  mode = args[1] or "cycle"
  prefix = args[2] or ""
  tag = (args[4] or "run") .. "-" .. tid
  headers = { ["X-Broker-API-Version"] = "2.17", ["Authorization"] = args[3] }
  if mode == "catalog" then
    catalog_request = wrk.format("GET", prefix .. "/v2/catalog", headers, nil)
  elseif mode ~= "cycle" then
    error("MODE must be cycle or catalog, was " .. mode)
  end
end

local id = ""
function request()
  if mode == "catalog" then
    expected = 200
    return catalog_request
  end
  if next_is_put then
    counter = counter + 1
    id = tag .. "-" .. counter
    expected = 201
    local h = { ["X-Broker-API-Version"] = headers["X-Broker-API-Version"],
      ["Authorization"] = headers["Authorization"], ["Content-Type"] = "application/json" }
    return wrk.format("PUT", prefix .. "/v2/service_instances/" .. id, h, BODY)
  end
  expected = 200
  return wrk.format("DELETE", prefix .. "/v2/service_instances/" .. id .. QUERY, headers, nil)
end

function response(status, hdrs, body)
  if status ~= expected then
    errors = errors + 1
    if first_error == "" then
      first_error = "expected " .. expected .. ", got " .. status .. ": " .. string.sub(body or "", 1, 200)
    end
  end
  if mode == "cycle" then
    next_is_put = not next_is_put
  end
end

function done(summary, latency, requests)
  local errs, first = 0, ""
  for _, thread in ipairs(threads) do
    errs = errs + (thread:get("errors") or 0)
    local f = thread:get("first_error")
    if first == "" and f and f ~= "" then
      first = f
    end
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  io.write(string.format("WRK_RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d "
    .. "status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, errs, socket))
  if first ~= "" then
    io.write("WRK_FIRST_ERROR " .. string.gsub(first, "\n", " ") .. "\n")
  end
end
