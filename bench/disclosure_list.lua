-- The public list /xxgk/ (20 newest per page, total count, pager).
--   LIST_PAGE=p   always page p (1 = /xxgk/, as the peer's wrk/list.lua)
--   LIST_PAGES=k  uniformly random pages 1..k, fixed seed (defeats a page cache)
-- Prints the peer's WRKJSON summary line (wrk/report.lua, through WRK_LUA_DIR).
package.path = package.path .. ";" .. (os.getenv("WRK_LUA_DIR") or ".") .. "/?.lua"
require "report"
local page = tonumber(os.getenv("LIST_PAGE") or "1")
local pages = tonumber(os.getenv("LIST_PAGES") or "0")
math.randomseed(42)
request = function()
  local p = page
  if pages > 0 then p = math.random(1, pages) end
  if p <= 1 then return wrk.format("GET", "/xxgk/") end
  return wrk.format("GET", string.format("/xxgk/?page=%d", p))
end
done = wrk_report
