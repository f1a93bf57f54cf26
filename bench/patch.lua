-- wrk script: PATCH one entry with If-Match: * and a changing discount; with PATCH_TEXT=1 in
-- the environment, a changing headline instead, so that every write also rewrites the entry's
-- search text and its place in the text index.
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["If-Match"] = "*"
local text = os.getenv("PATCH_TEXT") == "1"
local n = 0
request = function()
  n = n + 1
  if text then
    return wrk.format(nil, nil, nil, string.format('{"fields":{"headline":"Summer sale number %d"}}', n))
  end
  return wrk.format(nil, nil, nil, string.format('{"fields":{"discount":%d}}', n % 90))
end
