"""`complete_request` and `is_complete_request` for Lua: names from the live Lua state, and
Lua's own parser to tell a finished statement from one that goes on (`jupyter console`)."""

from __future__ import annotations

import re
from typing import Any

KEYWORDS = frozenset(
    {
        "and",
        "break",
        "do",
        "else",
        "elseif",
        "end",
        "false",
        "for",
        "function",
        "goto",
        "if",
        "in",
        "local",
        "nil",
        "not",
        "or",
        "repeat",
        "return",
        "then",
        "true",
        "until",
        "while",
    }
)

_TOKEN = re.compile(r"([A-Za-z_]\w*(?:\s*[.:]\s*[A-Za-z_]\w*)*\s*[.:]?\s*)$")

# Names under a (dotted) path: table keys, and methods reached through the metatable's
# __index table (an agent's execute, complete, ...). Evaluated inside the script's state.
_NAMES_LUA = """
function(env, path, partial, methods_only)
  local v = env
  for name in path:gmatch("[%a_][%w_]*") do
    if type(v) ~= "table" then return {} end
    v = rawget(v, name)
  end
  local out, seen = {}, {}
  local function add(t)
    if type(t) ~= "table" then return end
    for k, x in next, t do
      if type(k) == "string" and k:sub(1, #partial) == partial and not seen[k]
          and k:match("^[%a_][%w_]*$") and (not methods_only or type(x) == "function") then
        seen[k] = true
        out[#out + 1] = k
      end
    end
  end
  add(v)
  -- The real metatable (scripts see only its __metatable name): this runs outside the sandbox.
  local mt = (debug and debug.getmetatable or getmetatable)(v)
  if type(mt) == "table" then add(rawget(mt, "__index")) end
  table.sort(out)
  return out
end
"""


def complete(runtime: Any, code: str, cursor_pos: int) -> dict[str, Any]:
    """The standard `complete_reply` content for `code` with the cursor at `cursor_pos`."""
    before = code[:cursor_pos]
    match = _TOKEN.search(before)
    token = match.group(1) if match else ""
    compact = re.sub(r"\s+", "", token)
    cut = max(compact.rfind("."), compact.rfind(":"))
    path, partial = (compact[:cut], compact[cut + 1 :]) if cut >= 0 else ("", compact)
    methods_only = cut >= 0 and compact[cut] == ":"
    names_under = runtime.lua.eval(_NAMES_LUA)
    names = list(names_under(runtime.globals(), path, partial, methods_only).values())
    if cut < 0:
        names = sorted(set(names) | {k for k in KEYWORDS if k.startswith(partial)})
    return {
        "status": "ok",
        "matches": names,
        "cursor_start": cursor_pos - len(partial),
        "cursor_end": cursor_pos,
        "metadata": {},
    }


def is_complete(runtime: Any, code: str) -> dict[str, Any]:
    """`incomplete` while Lua's parser stops at the end of input, like the `lua` REPL."""
    if not code.strip():
        return {"status": "complete"}
    load = runtime.lua.globals().load
    for candidate in ("return " + code, code):
        result = load(candidate, "=(cell)", "t")
        if not isinstance(result, tuple):
            return {"status": "complete"}
    message = str(result[1])
    if message.endswith("<eof>"):
        return {"status": "incomplete", "indent": "  "}
    return {"status": "invalid"}
