-- Benchmark driver for `llmspell run`: one streamed answer per line read from stdin.
-- usage: llmspell run stream_answers.lua SPEC MAX_TOKENS SEED
-- Prints READY once the model is loaded, then for every input line the streamed answer
-- followed by "\30END <completion tokens> <finish reason>\n". The agent forgets each exchange
-- (reset before the next line is read), so every prompt is answered on its own.
local spec, max_tokens, seed = arg[1], tonumber(arg[2]), tonumber(arg[3])
local agent = Agent.create({
  model = spec, temperature = 0, max_tokens = max_tokens, seed = seed, repeat_penalty = 1.1,
})

local function answer(text, show)
  local tokens, finish = 0, "?"
  for chunk in agent:execute_streaming({ text = text }) do
    if chunk.content.type == "text" and show then io.write(chunk.content.text) end
    if chunk.done then
      tokens, finish = chunk.metadata.tokens.completion, chunk.metadata.finish_reason
    end
  end
  agent:reset()
  return tokens, finish
end

answer("Say hello.", false) -- loads the model: not part of any timing
io.write("READY\n")
for line in io.lines() do
  local tokens, finish = answer(line, true)
  io.write("\30END ", tokens, " ", finish, "\n")
end
