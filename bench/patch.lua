-- wrk script: PATCH one entry with If-Match: * and a changing discount.
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["If-Match"] = "*"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format('{"fields":{"discount":%d}}', n % 90))
end
