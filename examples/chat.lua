-- chat.lua: a chat with one local model; the agent remembers the conversation.
--   llmspell run examples/chat.lua                      -- interactive: type /bye or Ctrl-D to end
--   llmspell run examples/chat.lua "What is the capital of France?"
--   printf 'Hi\nWhat did I say?\n' | llmspell run examples/chat.lua
-- With a question and no terminal on stdin it answers once and exits. Options:
--   --model SPEC (or LLMSPELL_MODEL), --max-tokens N (or LLMSPELL_MAX_TOKENS),
--   --temperature T (default 0: small models answer best greedily)
local model = ARGS.model or os.getenv("LLMSPELL_MODEL") or "local/smollm2:135m@gguf"
local max_tokens = tonumber(ARGS["max-tokens"] or os.getenv("LLMSPELL_MAX_TOKENS") or 256)
local temperature = tonumber(ARGS.temperature or 0)
local question = ARGS[1]
local interactive = llmspell.stdin_is_tty

local agent = Agent.create({
  name = "chat",
  model = model,
  system_prompt = "You are a helpful assistant.",
  temperature = temperature,
  max_tokens = max_tokens,
})

local function answer(text)
  for chunk in agent:execute_streaming({ text = text }) do
    if chunk.content.type == "text" then
      io.write(chunk.content.text)
    end
  end
  io.write("\n")
end

if interactive then
  io.stderr:write(("Chatting with %s. Type /bye or press Ctrl-D to end.\n"):format(model))
end

if question then
  answer(question)
  if not interactive then
    os.exit(0)
  end
end

while true do
  if interactive then
    io.write("> ")
  end
  local line = io.read("l")
  if line == nil or line == "/bye" then
    break
  end
  if line:match("%S") then
    answer(line)
  end
end
