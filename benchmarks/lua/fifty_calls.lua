-- 50 agent calls in one script: 25 on one agent, then 25 on 25 fresh agents.
-- usage: llmspell run fifty_calls.lua SPEC
local spec = arg[1]
local opts = { model = spec, temperature = 0, max_tokens = 4, seed = 42 }
local calls = 0
local agent = Agent.create(opts)
for i = 1, 25 do
  agent:complete("Say the number " .. i .. ".")
  agent:reset()
  calls = calls + 1
end
for i = 26, 50 do
  local fresh = Agent.create(opts)
  local r = fresh:execute({ text = "Say the number " .. i .. "." })
  assert(r.metadata.tokens.completion > 0, "no tokens generated")
  calls = calls + 1
end
print("calls " .. calls)
