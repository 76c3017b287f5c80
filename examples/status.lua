-- status.lua: which local backends are up, and the models each one has.
--   llmspell run examples/status.lua
local status = LocalLLM.status()

local names = {}
for name, backend in pairs(status) do
  if name == backend.backend then -- skip aliases such as `candle` (the same table as `gguf`)
    names[#names + 1] = name
  end
end
table.sort(names)

for _, name in ipairs(names) do
  local s = status[name]
  if s.ready or s.running then
    local version = s.version and (" " .. s.version) or ""
    print(("%-8s up%s, %d model(s)"):format(name, version, s.models))
    for _, m in ipairs(LocalLLM.list(name)) do
      local when = m.modified_at and os.date("%Y-%m-%d", m.modified_at) or "-"
      print(("  %-32s %8.2f GB  %-8s %s"):format(m.name, m.size_gb, m.quantization or "-", when))
    end
  else
    print(("%-8s down: %s"):format(name, s.error or "unknown reason"))
  end
end
