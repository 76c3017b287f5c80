-- compare_backends.lua: the same prompt on every backend that is up, with speed figures.
--   llmspell run examples/compare_backends.lua ["prompt"]
-- Each backend uses the first model it has; name one with --<backend> SPEC, e.g.
--   llmspell run examples/compare_backends.lua --gguf smollm2:135m --ollama llama3.1:8b
local prompt = ARGS[1] or "In one sentence, why is the sky blue?"
local max_tokens = tonumber(ARGS["max-tokens"] or os.getenv("LLMSPELL_MAX_TOKENS") or 64)
local status = LocalLLM.status()

local names = {}
for name, backend in pairs(status) do
  if name == backend.backend then
    names[#names + 1] = name
  end
end
table.sort(names)

print(("Prompt: %s\n"):format(prompt))
local compared, skipped = 0, {}
for _, name in ipairs(names) do
  local s = status[name]
  local models = (s.ready or s.running) and LocalLLM.list(name) or {}
  local model = ARGS[name] or (models[1] and models[1].name)
  if not (s.ready or s.running) then
    skipped[#skipped + 1] = ("%s is not available: %s"):format(name, s.error or "down")
  elseif not model then
    skipped[#skipped + 1] = ("%s has no models; pull one with llmspell model pull"):format(name)
  else
    local ok, result = pcall(function()
      local agent = Agent.create({ model = model .. "@" .. name, temperature = 0,
                                   max_tokens = max_tokens })
      return agent:execute({ text = prompt })
    end)
    if ok then
      local t = result.metadata.tokens
      local seconds = result.metadata.latency_ms / 1000
      local rate = seconds > 0 and t.completion / seconds or 0
      print(("== %s (%s): %d tokens in %.2f s, %.1f tokens/s"):format(
        name, result.metadata.model, t.completion, seconds, rate))
      print(result.text .. "\n")
      compared = compared + 1
    else
      skipped[#skipped + 1] = ("%s failed: %s"):format(name, result)
    end
  end
end

for _, why in ipairs(skipped) do
  print("-- " .. why)
end
print(("Compared %d backend(s)."):format(compared))
