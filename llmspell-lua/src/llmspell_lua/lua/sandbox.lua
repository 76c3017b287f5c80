-- The sandbox: the environment a script sees without --allow-unsafe, built from an
-- allow-list. Scripts may compute, talk to models, read files and use stdio; they cannot
-- run programs, write, rename or delete files, load native code or bytecode, or reach the
-- interpreter through `debug`.
--
-- This file runs before any script code. Every guard below uses only locals captured here
-- and checks its arguments' types and values itself, so nothing a script can reach or
-- change (globals, library tables, metatables) alters what a guard allows. The library
-- tables a script sees are copies: changing them changes nothing for anyone else.

local error, type, select, tostring = error, type, select, tostring
local rawget, rawset, next, pairs, setmetatable = rawget, rawset, next, pairs, setmetatable
local sformat = string.format
local raw_loadfile = loadfile
local raw_collectgarbage = collectgarbage
local raw_searchpath = package.searchpath
local io_open, io_lines, io_input, io_output, io_type = io.open, io.lines, io.input, io.output, io.type
local io_read, io_close = io.read, io.close

return function(api)
  local HINT = api.HINT
  local safe = api.safe

  local function refuse(what, level)
    error(what .. HINT, level + 1)
  end

  local function disabled(name)
    return function()
      refuse(name, 2)
    end
  end

  local function copy(lib, except)
    local out = {}
    for k, v in next, lib do
      if not (except and except[k]) then
        out[k] = v
      end
    end
    return out
  end

  local function bad_argument(n, fname, expected, value, level)
    error(sformat("bad argument #%d to '%s' (%s expected, got %s)", n, fname, expected,
      type(value) == "nil" and "no value" or type(value)), level + 1)
  end

  local env = {}

  -- Base functions: the harmless ones as they are, the dangerous ones guarded.
  for _, name in next, {
    "assert", "error", "ipairs", "next", "pairs", "rawequal", "rawget", "rawlen", "rawset",
    "select", "tonumber", "tostring", "type", "getmetatable", "_VERSION",
  } do
    env[name] = _G[name]
  end
  env.print = api.output.print
  env.pcall, env.xpcall = safe.pcall, safe.xpcall

  -- Finalizers run at moments the script does not choose (even after it ended): refused.
  function env.setmetatable(t, mt)
    if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
      refuse("a __gc metamethod (finalizer)", 2)
    end
    return setmetatable(t, mt)
  end

  local GC_OPTIONS = { collect = true, count = true, step = true, isrunning = true }
  function env.collectgarbage(opt, arg)
    if opt == nil then
      opt = "collect"
    end
    if type(opt) ~= "string" or not GC_OPTIONS[opt] then
      refuse(sformat("collectgarbage(%q)", tostring(opt)), 2)
    end
    if opt == "step" then
      if arg ~= nil and type(arg) ~= "number" then
        bad_argument(2, "collectgarbage", "number", arg, 2)
      end
      return raw_collectgarbage("step", arg or 0)
    end
    return raw_collectgarbage(opt)
  end

  -- Chunks: source text only, run in this environment unless one is given.
  local function text_only(mode, fname)
    if mode ~= nil and mode ~= "t" then
      refuse(sformat("%s with mode %q (binary chunks)", fname, tostring(mode)), 3)
    end
  end

  function env.load(chunk, chunkname, mode, ...)
    text_only(mode, "load")
    local t = type(chunk)
    if t ~= "string" and t ~= "function" then
      bad_argument(1, "load", "string or function", chunk, 2)
    end
    if chunkname ~= nil and type(chunkname) ~= "string" then
      bad_argument(2, "load", "string", chunkname, 2)
    end
    if select("#", ...) > 0 then
      return safe.load(chunk, chunkname, "t", (...))
    end
    return safe.load(chunk, chunkname, "t", env)
  end

  local function file_name(filename, fname, level)
    if filename ~= nil and type(filename) ~= "string" then
      bad_argument(1, fname, "string", filename, level + 1)
    end
  end

  function env.loadfile(filename, mode, ...)
    file_name(filename, "loadfile", 2)
    text_only(mode, "loadfile")
    if select("#", ...) > 0 then
      return raw_loadfile(filename, "t", (...))
    end
    return raw_loadfile(filename, "t", env)
  end

  function env.dofile(filename)
    file_name(filename, "dofile", 2)
    local chunk, err = raw_loadfile(filename, "t", env)
    if not chunk then
      error(err, 2)
    end
    return chunk()
  end

  -- Libraries: copies, without what the sandbox refuses.
  local string_ = copy(string, { dump = true })
  env.string = string_
  env.table = copy(table)
  env.math = copy(math)
  env.utf8 = copy(utf8)
  local coroutine_ = copy(coroutine)
  coroutine_.resume, coroutine_.close = safe.resume, safe.close
  env.coroutine = coroutine_
  env.debug = setmetatable({ traceback = debug.traceback }, {
    __metatable = false,
    __index = function(_, name)
      return disabled("debug." .. tostring(name))
    end,
  })
  env.os = {
    getenv = os.getenv,
    clock = os.clock,
    time = os.time,
    date = os.date,
    difftime = os.difftime,
    exit = api.exit,
  }
  for _, name in next, { "execute", "remove", "rename", "tmpname", "setlocale" } do
    env.os[name] = disabled("os." .. name)
  end

  -- Strings share one metatable: its __index becomes the script's string table, and it is
  -- protected so no script can read or change it.
  local string_meta = getmetatable("")
  string_meta.__index = string_
  string_meta.__metatable = false
  -- The same for file handles (io.stdout, files opened for reading).
  local file_meta = getmetatable(io.stdout)
  file_meta.__metatable = "file"

  -- io: reading files and the standard streams. Paths must be strings, modes read modes,
  -- files real file handles: numbers, tables and other values are refused.
  local output = api.output
  local READ_MODES = { r = true, rb = true }
  local io_ = {
    read = io_read,
    write = output.write,
    stdin = io.stdin,
    stdout = output.stdout,
    stderr = output.stderr,
    type = io_type,
    popen = disabled("io.popen"),
    tmpfile = disabled("io.tmpfile"),
  }

  function io_.open(path, mode)
    if type(path) ~= "string" then
      bad_argument(1, "open", "string", path, 2)
    end
    if mode ~= nil and (type(mode) ~= "string" or not READ_MODES[mode]) then
      refuse(sformat("io.open with mode %q (writing)", tostring(mode)), 2)
    end
    return io_open(path, mode or "r")
  end

  function io_.lines(path, ...)
    if path == nil then
      return io_lines(nil, ...)
    end
    if type(path) ~= "string" then
      bad_argument(1, "lines", "string", path, 2)
    end
    return io_lines(path, ...)
  end

  local function is_file(v)
    return io_type(v) == "file"
  end

  function io_.input(file)
    if file == nil then
      return io_input()
    end
    if type(file) ~= "string" and not is_file(file) then
      bad_argument(1, "input", "file name or file handle", file, 2)
    end
    return io_input(file)
  end

  function io_.output(file)
    if file == nil then
      return output.stdout == io.stdout and io_output() or output.stdout
    end
    if type(file) == "string" then
      refuse("io.output to a file (writing)", 2)
    end
    if not is_file(file) then
      bad_argument(1, "output", "file handle", file, 2)
    end
    if output.stdout ~= io.stdout then
      refuse("io.output (redirecting output)", 2)
    end
    return io_output(file)
  end

  function io_.close(file)
    if file ~= nil and not is_file(file) then
      bad_argument(1, "close", "file handle", file, 2)
    end
    if file == nil then
      return io_close()
    end
    return io_close(file)
  end
  env.io = io_

  -- require: Lua source modules found on package.path, nothing else.
  local loaded = {}
  local package_ = {
    path = package.path,
    cpath = "",
    config = package.config,
    loaded = loaded,
    preload = {},
    searchpath = raw_searchpath,
    loadlib = disabled("package.loadlib"),
  }
  env.package = package_

  function env.require(name)
    if type(name) ~= "string" then
      bad_argument(1, "require", "string", name, 2)
    end
    local value = rawget(loaded, name)
    if value ~= nil then
      return value
    end
    local preload = rawget(package_, "preload")
    local loader = type(preload) == "table" and rawget(preload, name)
    local origin = ":preload:"
    if type(loader) ~= "function" then
      local path = rawget(package_, "path")
      if type(path) ~= "string" then
        error("'package.path' must be a string", 2)
      end
      local filename, err = raw_searchpath(name, path)
      if not filename then
        error(sformat("module '%s' not found:\n\tno field package.preload['%s']\n\t%s\n\tno C module '%s': loading C modules%s",
          name, name, err, name, HINT), 2)
      end
      local chunk, lerr = raw_loadfile(filename, "t", env)
      if not chunk then
        error(sformat("error loading module '%s' from file '%s':\n\t%s", name, filename, lerr), 2)
      end
      loader, origin = chunk, filename
    end
    local result = loader(name, origin)
    if result ~= nil then
      rawset(loaded, name, result)
    elseif rawget(loaded, name) == nil then
      rawset(loaded, name, true)
    end
    return rawget(loaded, name), origin
  end

  env.LocalLLM, env.Agent = api.LocalLLM, api.Agent
  env._G = env
  for _, name in next, { "string", "table", "math", "utf8", "coroutine", "debug", "os", "io", "package" } do
    loaded[name] = env[name]
  end
  loaded._G = env
  return env
end
