-- The default sandbox: scripts may compute, talk to models, read files and use stdio,
-- but not run programs, write or delete files, load native code or bytecode, or poke at
-- the interpreter through `debug`. Each blocked call says how to lift the sandbox.
-- Library tables are edited in place so `require "os"` and `package.loaded` agree.
local error, type = error, type
local HINT = " is disabled in the sandbox; run with --allow-unsafe to enable it"

local function disabled(name)
  return function()
    error(name .. HINT, 2)
  end
end

for _, name in ipairs({ "execute", "remove", "rename", "tmpname", "setlocale" }) do
  os[name] = disabled("os." .. name)
end

io.popen = disabled("io.popen")
io.tmpfile = disabled("io.tmpfile")

local raw_open, raw_output = io.open, io.output
function io.open(path, mode)
  if type(mode) == "string" and mode:find("[wa+]") then
    error(("io.open with mode %q (writing)"):format(mode) .. HINT, 2)
  end
  return raw_open(path, mode)
end

function io.output(file)
  if type(file) == "string" then
    error("io.output to a file (writing)" .. HINT, 2)
  end
  return raw_output(file)
end

-- Native code: no loadlib, no C searchers (pure Lua modules on package.path still load).
package.loadlib = disabled("package.loadlib")
package.cpath = ""
package.searchers[4] = nil
package.searchers[3] = function(name)
  return ("no C module '%s': loading C modules%s"):format(name, HINT)
end

-- Bytecode: chunks are loaded as text only.
local raw_load, raw_loadfile = load, loadfile
local function text_only(mode, fn)
  if mode ~= nil and mode ~= "t" then
    error(("%s with mode %q (binary chunks)"):format(fn, tostring(mode)) .. HINT, 3)
  end
end

function load(chunk, name, mode, ...)
  text_only(mode, "load")
  return raw_load(chunk, name, "t", ...)
end

function loadfile(filename, mode, ...)
  text_only(mode, "loadfile")
  return raw_loadfile(filename, "t", ...)
end

function dofile(filename)
  local chunk, err = raw_loadfile(filename, "t")
  if not chunk then
    error(err, 2)
  end
  return chunk()
end

-- debug: only traceback (handy with xpcall) survives.
local traceback = debug.traceback
for name in pairs(debug) do
  debug[name] = nil
end
debug.traceback = traceback
setmetatable(debug, {
  __index = function(_, name)
    return disabled("debug." .. tostring(name))
  end,
})
