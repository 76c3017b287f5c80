"""The server's own tool for what the OpenAI API cannot do (pulling, removing models)."""

from __future__ import annotations

from typing import Any

#: `owned_by` of `/models` entries → the engine and how models get onto it.
_BY_OWNER = {
    "vllm": "vLLM serves the model named when it starts: restart it with 'vllm serve MODEL'",
    "sglang": "SGLang serves the model named when it starts: restart it with "
    "'python -m sglang.launch_server --model-path MODEL'",
    "llamacpp": "llama-server serves the model it was started with: restart it with "
    "'llama-server -m FILE.gguf' (or '-hf REPO')",
    "me": "llama-cpp-python's server serves the models it was started with: restart it with "
    "'python -m llama_cpp.server --model FILE.gguf'",
    "library": "Ollama manages its models itself: use 'ollama pull MODEL' / 'ollama rm MODEL' "
    "(or the ollama backend of llmspell)",
    "organization_owner": "LM Studio manages its models itself: use 'lms get MODEL' / the app",
}
_GENERIC = (
    "load or remove models with the server's own tool (vLLM: 'vllm serve MODEL', llama.cpp: "
    "'llama-server -m FILE', LM Studio: 'lms get', Ollama: 'ollama pull')"
)


def server_tool(entries: list[dict[str, Any]]) -> str:
    for entry in entries:
        hint = _BY_OWNER.get(str(entry.get("owned_by", "")).lower())
        if hint:
            return hint
    return _GENERIC
