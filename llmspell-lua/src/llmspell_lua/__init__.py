"""llmspell-lua: Lua 5.4 scripting for llmspell (`llmspell run` / `llmspell exec`).

    from llmspell_lua.commands import run_script
    run_script("examples/status.lua")

The package imports nothing heavy at import time; lupa loads when a script runs.
"""
