-- Request random item pages /PREFIX/{id} with ids 1..N (env ITEMS), fixed seed.
math.randomseed(42)
local n = tonumber(os.getenv("ITEMS") or "10000")
local prefix = os.getenv("PREFIX") or "/guide/items/"
request = function()
  return wrk.format("GET", prefix .. math.random(1, n))
end
