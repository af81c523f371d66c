-- Random disclosure item pages /xxgk/{id}, ids 1..N (env ITEMS, default 10000), fixed seed
-- (as the peer's wrk/detail.lua). Prints the peer's WRKJSON summary line (wrk/report.lua,
-- found through WRK_LUA_DIR).
package.path = package.path .. ";" .. (os.getenv("WRK_LUA_DIR") or ".") .. "/?.lua"
require "report"
local n = tonumber(os.getenv("ITEMS") or "10000")
math.randomseed(42)
request = function()
  return wrk.format("GET", "/xxgk/" .. math.random(1, n))
end
done = wrk_report
