-- The Lua half of the bridge, run once before any script code. It builds the LocalLLM and
-- Agent globals over the Python functions in `py`, the stop protocol (os.exit, Ctrl-C and
-- the memory limit end a script and no pcall, xpcall or <close> handler can keep it going),
-- and returns the driver that runs scripts.
--
-- Everything a function here uses at call time is a local captured now, while the state is
-- still pristine: scripts can replace globals, library fields and (in unsafe mode) the
-- string metatable without changing what this code does. Python functions are only called
-- through `pycall`, so no Python exception object ever becomes a Lua value.
local py, settings = ...

local error, type, select, setmetatable, getmetatable = error, type, select, setmetatable, getmetatable
local rawget, rawset, next, tostring, ipairs = rawget, rawset, next, tostring, ipairs
local raw_load, raw_pcall, raw_xpcall = load, pcall, xpcall
local co_create, co_resume, co_close, co_status = coroutine.create, coroutine.resume, coroutine.close, coroutine.status
local sformat, ssub = string.format, string.sub
local utf8_len, tconcat, tunpack = utf8.len, table.concat, table.unpack
local tointeger = math.tointeger
local io_stdout, io_stderr, io_write, io_type = io.stdout, io.stderr, io.write, io.type
local stdout_flush = io.stdout.flush
local getinfo, sethook = debug.getinfo, debug.sethook
local G = _G

-- Python values must not stay reachable from scripts (unsafe mode keeps the real globals).
python = nil
package.loaded.python = nil

-- The stop protocol --------------------------------------------------------------------
-- `stopping` is nil while a script runs normally, else why it must end: "exit" (os.exit),
-- "interrupt" (Ctrl-C or `ScriptRuntime.interrupt`) or "memory" (the Lua memory limit).
-- Once set, every place that could catch an error raises STOP again: the pcall, xpcall,
-- coroutine and load wrappers after they return, and the count hook every few thousand
-- instructions, so a script that swallows one STOP meets the next one at once.
local STOP = setmetatable({}, {
  __metatable = false,
  __tostring = function() return "the script is stopping" end,
})
local MEMERR = "not enough memory" -- the message Lua raises when an allocation fails
local stopping = nil
local exit_code = 0

local function stop(reason)
  stopping = stopping or reason
  error(STOP, 0)
end

-- After a call that catches errors returns: keep stopping, and make a failed allocation
-- (the memory limit) a stop rather than an error a script could catch and carry on after.
local function check(ok, ...)
  if stopping then
    error(STOP, 0)
  end
  if not ok and (...) == MEMERR then
    stop("memory")
  end
  return ok, ...
end

-- A Python function's answer. Bridge functions catch every exception themselves; an
-- exception raised before their own handler runs (a KeyboardInterrupt at function entry)
-- is caught here, so it never becomes a Lua value a script could hold.
local function pyresult(ok, status, ...)
  if not ok then
    if status == MEMERR then
      stop("memory")
    end
    stop("interrupt")
  end
  if status == "stop" then
    stop((...))
  end
  if stopping then
    error(STOP, 0)
  end
  return status, ...
end

local function pycall(f, ...)
  return pyresult(raw_pcall(f, ...))
end

local poll = py.poll
local function hook()
  if stopping then
    error(STOP, 0)
  end
  local ok, reason = raw_pcall(poll)
  if not ok or reason then
    stop(ok and reason or "interrupt")
  end
end

local function install_hook()
  sethook(hook, "", settings.hook_interval)
end

-- Error locations ---------------------------------------------------------------------
-- "file:line: " of the script line that called the API; frames without a line (pcall,
-- tail calls) and llmspell's own Lua are skipped, so errors always say where in the script.
local function where(level)
  while true do
    local info = getinfo(level + 1, "Sl")
    if not info then
      return ""
    end
    if info.currentline > 0 and ssub(info.source, 1, 10) ~= "=llmspell/" then
      return sformat("%s:%d: ", info.short_src, info.currentline)
    end
    level = level + 1
  end
end

-- Lua strings are bytes; Python wants UTF-8. Invalid bytes become U+FFFD on the way over
-- (as Python's errors="replace" would), so a stray byte is never a crash.
local function valid_utf8(s)
  if utf8_len(s) then
    return s
  end
  local out, i = {}, 1
  while true do
    local ok, bad = utf8_len(s, i)
    if ok then
      out[#out + 1] = ssub(s, i)
      return tconcat(out)
    end
    out[#out + 1] = ssub(s, i, bad - 1) .. "\u{FFFD}"
    i = bad + 1
  end
end

-- A copy of an argument for Python: strings made valid UTF-8, tables copied with `next`
-- (never a script's __pairs), no cycles and at most MAX_DEPTH levels, so Python gets
-- plain data of a bounded shape. Functions pass through (pull's progress callback).
local MAX_DEPTH = 32

local function clean(v, api, field, depth, seen)
  local t = type(v)
  if t == "string" then
    return valid_utf8(v)
  elseif t ~= "table" then
    return v
  end
  depth, seen = depth or 0, seen or {}
  if seen[v] then
    error(where(2) .. sformat("%s: %s refers back to a table that contains it.", api,
      field and "field " .. field or "the table"), 0)
  end
  if depth >= MAX_DEPTH then
    error(where(2) .. sformat("%s: %s is nested more than %d tables deep.", api,
      field and "field " .. field or "the table", MAX_DEPTH), 0)
  end
  seen[v] = true
  local copy = {}
  local k, x = next(v)
  while k ~= nil do
    local name = field or (type(k) == "string" and valid_utf8(k)) or sformat("[%s]", tostring(k))
    rawset(copy, clean(k, api, field, depth + 1, seen), clean(x, api, name, depth + 1, seen))
    k, x = next(v, k)
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

-- Stopping calls ------------------------------------------------------------------------
local function exit(code)
  if code == nil or code == true then
    exit_code = 0
  elseif code == false then
    exit_code = 1
  elseif type(code) == "number" and tointeger(code) then
    exit_code = tointeger(code)
  else
    error("bad argument #1 to 'exit' (integer or boolean expected)", 2)
  end
  stop("exit")
end

local safe = {}

function safe.pcall(f, ...)
  return check(raw_pcall(f, ...))
end

function safe.xpcall(f, handler, ...)
  return check(raw_xpcall(f, function(e)
    if stopping or e == MEMERR then
      return e
    end
    return handler(e)
  end, ...))
end

function safe.resume(co, ...)
  return check(co_resume(co, ...))
end

function safe.close(co)
  -- Called through pcall so a refusal ("cannot close a running coroutine") names the
  -- script's line, not this file's.
  local ok, closed, err = raw_pcall(co_close, co)
  if stopping then
    error(STOP, 0)
  end
  if not ok then
    error(closed, 2)
  end
  return check(closed, err)
end

-- load calls a reader function under its own protection: a stop raised in the reader
-- ends up in load's answer, so it is raised again here.
function safe.load(...)
  local chunk, err = raw_load(...)
  if stopping then
    error(STOP, 0)
  end
  return chunk, err
end

-- LocalLLM ---------------------------------------------------------------------------
-- Agents and streams a script can no longer reach are released: their finalizers (pure
-- Lua, so they are safe to run at any moment) queue the ids, and the next call hands them
-- to Python.
local released = {}

local function release_queued()
  if released[1] ~= nil then
    local ids = released
    released = {}
    pycall(py.release, ids)
  end
end

local function call(f, ...)
  release_queued()
  return unwrap(pycall(f, ...))
end

local LocalLLM = {}

function LocalLLM.status()
  return (call(py.status))
end

function LocalLLM.list(backend)
  return (call(py.list, clean(backend, "LocalLLM.list")))
end

function LocalLLM.pull(spec, opts)
  opts = clean(opts, "LocalLLM.pull")
  if type(opts) == "table" and type(opts.progress) == "function" then
    -- An error in the callback stops the pull; a stop is re-raised once the pull returns.
    local progress = opts.progress
    opts.progress = function(p)
      local ok, e = raw_pcall(progress, p)
      if stopping then
        error(STOP, 0)
      end
      if not ok then
        error(e, 0)
      end
    end
  end
  return (call(py.pull, clean(spec, "LocalLLM.pull"), opts))
end

function LocalLLM.info(spec)
  return (call(py.info, clean(spec, "LocalLLM.info")))
end

function LocalLLM.remove(spec)
  return (call(py.remove, clean(spec, "LocalLLM.remove")))
end

function LocalLLM.available(backend, opts)
  return (call(py.available, clean(backend, "LocalLLM.available"), clean(opts, "LocalLLM.available")))
end

-- Agent ------------------------------------------------------------------------------
local Agent = {}
local methods = {}
local handles = setmetatable({}, { __mode = "k" }) -- agent table -> Python-side id
local agent_meta = {
  __index = methods,
  __metatable = "Agent",
  __tostring = function(self)
    return sformat("Agent(%s, %s)", tostring(rawget(self, "name")), tostring(rawget(self, "model")))
  end,
  __gc = function(self)
    local id = handles[self]
    if id then
      released[#released + 1] = id
    end
  end,
}

local function handle(self, method)
  local id = type(self) == "table" and handles[self]
  if not id then
    error(sformat("agent:%s must be called with a colon on an agent from Agent.create", method), 3)
  end
  return id
end

function Agent.create(opts)
  local info = call(py.agent_create, clean(opts, "Agent.create"))
  local agent = setmetatable({ name = info.name, model = info.model }, agent_meta)
  handles[agent] = info.id
  return agent
end

-- perf (#16): requests = array of { agent = a, text = ..., <execute options> }; the replies
-- are generated at once (batched by the backend) and returned in order.
function Agent.execute_many(requests)
  local list = requests
  if type(requests) == "table" then
    list = {}
    for i, r in ipairs(requests) do
      local copy = r
      if type(r) == "table" then
        copy = {}
        for k, v in next, r do
          copy[k] = v
        end
        copy.agent = handles[r.agent] or false
      end
      list[i] = copy
    end
  end
  local v = unwrap(py.agent_execute_many(clean(list)))
  return v
end

function methods.execute(self, input)
  local id = handle(self, "execute")
  return (call(py.agent_execute, id, clean(input, "agent:execute")))
end

function methods.complete(self, input)
  local id = handle(self, "complete")
  return (call(py.agent_complete, id, clean(input, "agent:complete")))
end

local closer_meta = {
  __metatable = false,
  __close = function(self)
    local id = self[1]
    if id then
      self[1] = nil
      pycall(py.stream_close, id)
    end
  end,
  __gc = function(self)
    if self[1] then
      released[#released + 1] = self[1]
    end
  end,
}

function methods.execute_streaming(self, input)
  local id = handle(self, "execute_streaming")
  local stream = call(py.stream_open, id, clean(input, "agent:execute_streaming"))
  local function next_chunk()
    local chunk = unwrap(pycall(py.stream_next, stream))
    if type(chunk) == "string" then
      return { content = { type = "text", text = chunk } }
    end
    return chunk
  end
  -- The fourth value closes the Python generator when a `for` loop ends or breaks; an
  -- iterator dropped without a loop is released when it is collected.
  return next_chunk, nil, nil, setmetatable({ stream }, closer_meta)
end

function methods.reset(self)
  local id = handle(self, "reset")
  call(py.agent_reset, id)
end

function methods.history(self)
  local id = handle(self, "history")
  return (call(py.agent_history, id))
end

-- Output -----------------------------------------------------------------------------
-- With an output sink (the kernel), print and io.write go to Python instead of the
-- process's stdout; `output` is the table the environment uses for print and io.
local output = { print = print, write = io_write, stdout = io_stdout, stderr = io_stderr }

if settings.sink then
  local function emit(stream, ...)
    local n = select("#", ...)
    local parts = {}
    for i = 1, n do
      local v = select(i, ...)
      local t = type(v)
      if t ~= "string" and t ~= "number" then
        error(sformat("bad argument #%d to 'write' (string expected, got %s)", i, t), 3)
      end
      parts[i] = valid_utf8(tostring(v))
    end
    pycall(py.write, stream, tconcat(parts))
  end
  local function proxy(stream)
    local file = {}
    local methods_ = {
      write = function(self, ...) emit(stream, ...) return self end,
      flush = function(self) return self end,
      setvbuf = function() return true end,
      close = function() return nil, "cannot close standard file" end,
    }
    return setmetatable(file, {
      __index = methods_,
      __metatable = "file",
      __name = "FILE*",
      __tostring = function() return "file (" .. stream .. ")" end,
    })
  end
  output.stdout, output.stderr = proxy("stdout"), proxy("stderr")
  function output.write(...)
    emit("stdout", ...)
    return output.stdout
  end
  function output.print(...)
    local n = select("#", ...)
    local parts = {}
    for i = 1, n do
      parts[i] = valid_utf8(tostring((select(i, ...))))
    end
    pycall(py.write, "stdout", tconcat(parts, "\t") .. "\n")
  end
end

-- The environment --------------------------------------------------------------------
local api = {
  LocalLLM = LocalLLM,
  Agent = Agent,
  exit = exit,
  safe = safe,
  output = output,
  HINT = " is disabled in the sandbox; run with --allow-unsafe to enable it",
}

local env
if settings.sandbox then
  env = settings.sandbox(api)
else
  -- Unsafe: the real globals, plus the bridge and the stop protocol.
  env = G
  G.LocalLLM, G.Agent = LocalLLM, Agent
  os.exit = exit
  G.pcall, G.xpcall, G.load = safe.pcall, safe.xpcall, safe.load
  coroutine.resume, coroutine.close = safe.resume, safe.close
  G.print, io.write, io.stdout, io.stderr = output.print, output.write, output.stdout, output.stderr
end

-- The driver -------------------------------------------------------------------------
local function message_of(e)
  if type(e) == "string" then
    return e
  end
  local mt = getmetatable(e)
  if type(mt) == "table" and rawget(mt, "__tostring") then
    local ok, text = raw_pcall(tostring, e)
    if ok and type(text) == "string" then
      return text
    end
  end
  return sformat("(error object is a %s value)", type(e))
end

local driver = { env = env }

--- Set a global the script sees (arg, ARGS, llmspell).
function driver.set(name, value)
  rawset(env, name, value)
end

--- Run `source` as a main chunk; answers ("ok", 0), ("exit", code), ("error", message) or
--- (reason, nil) for "interrupt" and "memory".
function driver.run(source, chunkname, argv)
  stopping, exit_code = nil, 0
  local chunk, err = raw_load(source, chunkname, "t", env)
  if not chunk then
    return "error", valid_utf8(err)
  end
  install_hook()
  local ok, e = raw_xpcall(chunk, function(x)
    if stopping or x == MEMERR then
      return x
    end
    return message_of(x)
  end, tunpack(argv, 1, #argv))
  sethook()
  if not ok and not stopping and e == MEMERR then
    stopping = "memory"
  end
  local reason = stopping
  stopping = nil
  release_queued()
  if output.stdout == io_stdout then
    stdout_flush(io_stdout)
  end
  if reason == "exit" then
    return "exit", exit_code
  elseif reason then
    return reason, nil
  elseif ok then
    return "ok", 0
  end
  if type(e) ~= "string" then
    e = message_of(e)
  end
  return "error", valid_utf8(e)
end

return driver
