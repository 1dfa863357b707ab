-- wrk script (set-up, not measured): client_credentials requests whose access tokens are kept for introspection.
-- Usage: wrk -t2 -c16 -d5s -s bench/collect-tokens.lua URL -- <out-prefix> <authorization-header-value>
-- POST /oauth2/token grant_type=client_credentials with the given Authorization header; each thread appends every
-- access_token it receives, one a line, to <out-prefix><thread id> (line-buffered, so nothing is lost at exit).
local nextid = 0

function setup(thread)
  thread:set("id", nextid)
  nextid = nextid + 1
end

function init(args)
  out = io.open(args[1] .. id, "a")
  out:setvbuf("line")
  req = wrk.format("POST", "/oauth2/token",
    { ["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = args[2] },
    "grant_type=client_credentials")
end

function request()
  return req
end

function response(status, headers, body)
  if status == 200 then
    local token = body:match('"access_token"%s*:%s*"([^"]+)"')
    if token then out:write(token, "\n") end
  end
end
