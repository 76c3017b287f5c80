-- The Lua half of the bridge: builds the LocalLLM and Agent globals over the Python
-- functions in `py`, replaces os.exit so it ends the script instead of the process, and
-- returns the driver that runs a script. Python functions answer (true, value) or
-- (false, message); `unwrap` turns the latter into a Lua error at the script's line.
local py = ...

local error, type, select, setmetatable = error, type, select, setmetatable
local raw_load, raw_pcall, raw_xpcall = load, pcall, xpcall
local raw_resume = coroutine.resume

-- Python values must not stay reachable from scripts.
python = nil
package.loaded.python = nil

local getinfo = debug.getinfo -- kept here: the sandbox removes it from `debug`

-- "file:line: " of the script line that called the API; frames without a line (pcall,
-- tail calls) and llmspell's own Lua are skipped, so errors always say where in the script.
local function where(level)
  while true do
    local info = getinfo(level + 1, "Sl")
    if not info then
      return ""
    end
    if info.currentline > 0 and info.source:sub(1, 10) ~= "=llmspell/" then
      return ("%s:%d: "):format(info.short_src, info.currentline)
    end
    level = level + 1
  end
end

-- Lua strings are bytes; Python wants UTF-8. Invalid bytes become U+FFFD on the way over
-- (as Python's errors="replace" would), so a stray byte is never a crash.
local function valid_utf8(s)
  if utf8.len(s) then
    return s
  end
  local out, i = {}, 1
  while true do
    local ok, bad = utf8.len(s, i)
    if ok then
      out[#out + 1] = s:sub(i)
      return table.concat(out)
    end
    out[#out + 1] = s:sub(i, bad - 1) .. "\u{FFFD}"
    i = bad + 1
  end
end

-- A copy of an argument with every string made valid UTF-8 (functions pass through).
local function clean(v, seen)
  local t = type(v)
  if t == "string" then
    return valid_utf8(v)
  elseif t ~= "table" then
    return v
  end
  seen = seen or {}
  if seen[v] then
    error(where(1) .. "a table passed to llmspell contains itself", 0)
  end
  seen[v] = true
  local copy = {}
  for k, x in pairs(v) do
    copy[clean(k, seen)] = clean(x, seen)
  end
  seen[v] = nil
  return copy
end

local function unwrap(ok, value, located)
  if not ok then
    error(located and value or where(1) .. value, 0)
  end
  return value
end

-- os.exit: unwinds to the driver with a sentinel that pcall cannot swallow -------------
local EXIT = setmetatable({}, { __tostring = function() return "os.exit" end })
local exit_code = 0

function os.exit(code)
  if code == nil or code == true then
    exit_code = 0
  elseif code == false then
    exit_code = 1
  elseif type(code) == "number" and math.tointeger(code) then
    exit_code = math.tointeger(code)
  else
    error("bad argument #1 to 'exit' (integer or boolean expected)", 2)
  end
  error(EXIT, 0)
end

-- Errors that must reach the driver even through pcall: os.exit and Python's own
-- BaseExceptions (KeyboardInterrupt), which arrive as userdata that is not a file.
local function fatal(e)
  return e == EXIT or (type(e) == "userdata" and io.type(e) == nil)
end

local function rethrow(ok, ...)
  if not ok and fatal((...)) then
    error((...), 0)
  end
  return ok, ...
end

function pcall(f, ...)
  return rethrow(raw_pcall(f, ...))
end

function xpcall(f, handler, ...)
  return rethrow(raw_xpcall(f, function(e)
    if fatal(e) then return e end
    return handler(e)
  end, ...))
end

function coroutine.resume(co, ...)
  return rethrow(raw_resume(co, ...))
end

-- LocalLLM ---------------------------------------------------------------------------
LocalLLM = {}

function LocalLLM.status()
  local v = unwrap(py.status())
  return v
end

function LocalLLM.list(backend)
  local v = unwrap(py.list(clean(backend)))
  return v
end

function LocalLLM.pull(spec, opts)
  opts = clean(opts)
  local exiting = false
  if type(opts) == "table" and type(opts.progress) == "function" then
    -- os.exit inside the callback must end the script, not just fail the pull.
    local progress = opts.progress
    opts.progress = function(p)
      local ok, e = raw_pcall(progress, p)
      if not ok then
        exiting = fatal(e)
        error(e, 0)
      end
    end
  end
  local ok, v, located = py.pull(clean(spec), opts)
  if exiting then
    error(EXIT, 0)
  end
  local result = unwrap(ok, v, located)
  return result
end

function LocalLLM.info(spec)
  local v = unwrap(py.info(clean(spec)))
  return v
end

function LocalLLM.remove(spec)
  local v = unwrap(py.remove(clean(spec)))
  return v
end

function LocalLLM.available(backend, opts)
  local v = unwrap(py.available(clean(backend), clean(opts)))
  return v
end

-- Agent ------------------------------------------------------------------------------
Agent = {}
local methods = {}
local handles = setmetatable({}, { __mode = "k" }) -- agent table -> Python-side id
local agent_meta = {
  __index = methods,
  __tostring = function(self) return ("Agent(%s, %s)"):format(self.name, self.model) end,
}

local function handle(self, method)
  local id = type(self) == "table" and handles[self]
  if not id then
    error(("agent:%s must be called with a colon on an agent from Agent.create"):format(method), 3)
  end
  return id
end

function Agent.create(opts)
  local info = unwrap(py.agent_create(clean(opts)))
  local agent = setmetatable({ name = info.name, model = info.model }, agent_meta)
  handles[agent] = info.id
  return agent
end

function methods.execute(self, input)
  local id = handle(self, "execute")
  local v = unwrap(py.agent_execute(id, clean(input)))
  return v
end

function methods.complete(self, input)
  local id = handle(self, "complete")
  local v = unwrap(py.agent_complete(id, clean(input)))
  return v
end

function methods.execute_streaming(self, input)
  local id = handle(self, "execute_streaming")
  local stream = unwrap(py.stream_open(id, clean(input)))
  local function next_chunk()
    local chunk = unwrap(py.stream_next(stream))
    if type(chunk) == "string" then
      return { content = { type = "text", text = chunk } }
    end
    return chunk
  end
  -- The fourth value closes the Python generator when a `for` loop ends or breaks.
  local closer = setmetatable({}, { __close = function() py.stream_close(stream) end })
  return next_chunk, nil, nil, closer
end

function methods.reset(self)
  local id = handle(self, "reset")
  unwrap(py.agent_reset(id))
end

function methods.history(self)
  local id = handle(self, "history")
  local v = unwrap(py.agent_history(id))
  return v
end

-- The driver -------------------------------------------------------------------------
local function message_of(e)
  if type(e) == "string" then return e end
  if fatal(e) then return e end
  local mt = getmetatable(e)
  if mt and mt.__tostring then return tostring(e) end
  return ("(error object is a %s value)"):format(type(e))
end

local driver = {}

--- Run `source` as the main chunk; answers ("ok", 0), ("exit", code) or ("error", message).
function driver.run(source, chunkname, argv, args_global)
  local chunk, err = raw_load(source, chunkname, "t")
  if not chunk then
    return "error", err
  end
  arg = argv
  ARGS = args_global
  local ok, e = raw_xpcall(chunk, message_of, table.unpack(argv, 1, #argv))
  io.stdout:flush()
  if ok then
    return "ok", 0
  elseif e == EXIT then
    return "exit", exit_code
  end
  return "error", type(e) == "string" and valid_utf8(e) or e
end

return driver
