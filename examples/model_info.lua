-- model_info.lua: everything llmspell knows about one model, without loading it.
--   llmspell run examples/model_info.lua [SPEC]      (default: smollm2:135m@gguf)
local spec = ARGS[1] or os.getenv("LLMSPELL_MODEL") or "smollm2:135m@gguf"
local ok, info = pcall(LocalLLM.info, spec)
if not ok then
  io.stderr:write(info, "\n")
  os.exit(1)
end

local function show(label, value)
  if value ~= nil then
    print(("%-16s %s"):format(label, tostring(value)))
  end
end

show("id", info.id)
show("backend", info.backend)
show("format", info.format)
show("architecture", info.architecture)
if info.parameter_count then
  show("parameters", ("%.1fM"):format(info.parameter_count / 1e6))
end
show("quantization", info.quantization)
show("context length", info.context_length)
show("chat template", info.has_chat_template)
show("license", info.license)
show("size", ("%d bytes (%.2f GB)"):format(info.size_bytes, info.size_gb))
show("path", info.path)
if info.modified_at then
  show("modified", os.date("!%Y-%m-%d %H:%M UTC", info.modified_at))
end
show("loaded", info.loaded)
