"""Values across the Lua boundary: plain Lua tables out, plain Python values in.

Scripts must never hold a Python object: everything handed to Lua is a number, string,
boolean or table built here (attrs objects, paths and the like become strings or tables).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from llmspell import BadInputError, LlmspellError


def to_lua(lua: Any, value: Any, _seen: dict[int, Any] | None = None) -> Any:
    """A Lua value for `value`: dicts become tables, sequences 1-based arrays, None is nil.

    The same Python dict reached twice becomes the same Lua table (`s.candle == s.gguf`).
    """
    seen = {} if _seen is None else _seen
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if id(value) in seen:
        return seen[id(value)]
    if attrs.has(type(value)):
        return to_lua(lua, attrs.asdict(value, recurse=False), seen)
    if isinstance(value, Mapping):
        table = seen[id(value)] = lua.table()
        for key, item in value.items():
            if item is not None:
                table[key] = to_lua(lua, item, seen)
        return table
    if isinstance(value, (list, tuple, set, frozenset)):
        table = seen[id(value)] = lua.table()
        for index, item in enumerate(value, start=1):
            table[index] = to_lua(lua, item, seen)
        return table
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def lua_type(value: Any) -> str:
    """The Lua type name of a value that came from Lua (for messages)."""
    from lupa import lua54 as lupa

    kind = lupa.lua_type(value)
    if kind is not None:
        return kind
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (str, bytes)):
        return "string"
    if isinstance(value, (dict, list)):  # a table, already converted by `from_lua`
        return "table"
    return type(value).__name__


def lua_number(value: float | int) -> str:
    """A number as Lua prints it: `inf`, `-inf`, `nan`, `1.5`, `3`."""
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:.1f}"
    return repr(value)


def describe(value: Any) -> str:
    """A value from Lua for a message: its Lua type, and the value when it is short."""
    kind = lua_type(value)
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {lua_number(value)}"
    if isinstance(value, str):
        return f'string "{value}"' if len(value) <= 40 else f'string "{value[:37]}..."'
    return kind


def from_lua(value: Any) -> Any:
    """A plain Python value for a Lua one: arrays become lists, other tables dicts."""
    from lupa import lua54 as lupa

    if lupa.lua_type(value) != "table":
        return value
    items = {key: from_lua(item) for key, item in value.items()}
    positions = list(range(1, len(items) + 1))
    if items and all(type(k) is int for k in items) and sorted(items) == positions:
        return [items[i] for i in positions]
    return items


def options(value: Any, where: str, example: str) -> dict[str, Any]:
    """An options table as a dict with string keys (nil counts as empty)."""
    if value is None:
        return {}
    converted = from_lua(value)
    if converted == []:
        return {}
    if not isinstance(converted, dict):
        raise BadInputError(f"{where} expects a table, got {lua_type(value)}; e.g. {example}.")
    bad = [k for k in converted if not isinstance(k, str)]
    if bad:
        raise BadInputError(f"{where} expects named fields, got [{bad[0]!r}]; e.g. {example}.")
    return converted


def guarded(runtime: Any, fn: Callable[..., Any]) -> Callable[..., tuple[Any, ...]]:
    """Wrap a bridge function so Lua gets `(true, value)`, `(false, message[, located])` or
    `("stop", reason)`; it never raises, so no Python exception becomes a Lua value.

    The Lua side raises the message with `error(message, level)`, so it carries the
    script's file and line and stays catchable by `pcall` as a plain string. An error
    raised by a Lua callback already names its own line (`located`). Ctrl-C during the
    call and the Lua memory limit stop the script (`"stop"`), which no `pcall` can catch.
    """
    from lupa import lua54 as lupa

    lua = runtime.lua

    @functools.wraps(fn)
    def call(*args: Any) -> tuple[Any, ...]:
        try:
            runtime.in_python += 1
            try:
                value = to_lua(lua, fn(*args))
            finally:
                runtime.in_python -= 1
            return True, value
        except KeyboardInterrupt:
            runtime.interrupt()
            return "stop", "interrupt"
        except lupa.LuaMemoryError:
            runtime.stop_for("memory")
            return "stop", "memory"
        except LlmspellError as exc:
            return False, exc.message
        except lupa.LuaError as exc:  # raised by a Lua callback (e.g. a pull progress function)
            return False, str(exc).split("\nstack traceback:", 1)[0], True  # has its place
        except Exception as exc:
            return False, (
                f"unexpected failure ({type(exc).__name__}: {exc}). "
                "This is a bug in llmspell or a plugin."
            )
        except BaseException:  # SystemExit and the like end the script, never reach Lua
            runtime.interrupt()
            return "stop", "interrupt"

    return call
