"""Peak resident memory of one generation: llmspell's Python API against raw llama-cpp-python.

Each side runs in a fresh interpreter that loads the model, streams one answer with the
generation parameters of the other benchmarks and prints its peak resident set (VmHWM, the
whole process: interpreter, imports, weights, KV cache). The two alternate, several times.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

from common import (
    MODEL_NAME,
    PYTHON,
    REPEAT_PENALTY,
    SEED,
    Home,
    NotAvailable,
    Row,
    Section,
    Settings,
    median,
    model_path,
)
from drivers import describe_exception, llmspell_load_settings

TARGET_MB = 50
PROMPT = "Write a long, detailed story about a lighthouse keeper."

PEAK_KB = """
import json, resource, sys
def peak_kb():
    # VmHWM: the peak RSS of this process image. ru_maxrss would also count the parent's
    # peak, which Linux carries across fork+exec (a big benchmark process inflates it).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

RAW = (
    PEAK_KB
    + """
from llama_cpp import Llama
from llama_cpp.llama_chat_format import Jinja2ChatFormatter
a = json.loads(sys.argv[1])
llm = Llama(model_path=a["path"], n_ctx=a["n_ctx"], n_batch=a["n_batch"], n_ubatch=a["n_batch"],
            n_threads=a["threads"], n_threads_batch=a["threads"], flash_attn=a["flash_attn"],
            verbose=False)
fmt = Jinja2ChatFormatter(template=llm.metadata["tokenizer.chat_template"],
                          eos_token="<|im_end|>", bos_token="<|im_start|>")
prompt = fmt(messages=[{"role": "user", "content": a["prompt"]}]).prompt
n = 0
for chunk in llm.create_completion(prompt, max_tokens=a["tokens"], temperature=0.0,
                                   repeat_penalty=a["repeat_penalty"], seed=a["seed"],
                                   stream=True):
    n += 1
print(json.dumps({"peak_kb": peak_kb(), "chunks": n}))
"""
)

LLMSPELL = (
    PEAK_KB
    + """
from llmspell import GenerationParams, Manager
a = json.loads(sys.argv[1])
agent = Manager().agent(a["spec"], params=GenerationParams(
    temperature=0.0, max_tokens=a["tokens"], seed=a["seed"], repeat_penalty=a["repeat_penalty"]))
tokens = 0
for chunk in agent.stream(a["prompt"]):
    if chunk.done:
        tokens = chunk.result.usage.completion
print(json.dumps({"peak_kb": peak_kb(), "tokens": tokens}))
"""
)


def _peak_mb(code: str, args: dict, home: Home) -> float:
    proc = subprocess.run(
        [PYTHON, "-c", code, json.dumps(args)],
        env=home.env,
        cwd=home.path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise NotAvailable(proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])["peak_kb"] / 1024


def measure(home: Home, settings: Settings, log: Callable[[str], None]) -> Section:
    section = Section("Peak memory of a generation")
    reps = 2 if settings.quick else 3
    try:
        load = llmspell_load_settings()
        spec = home.import_model()
    except Exception as exc:
        section.rows.append(Row("peak RSS", "not available yet", "", note=describe_exception(exc)))
        return section
    common = {
        "prompt": PROMPT,
        "tokens": settings.tokens,
        "seed": SEED,
        "repeat_penalty": REPEAT_PENALTY,
    }
    raw_args = {
        **common,
        "path": str(model_path()),
        "n_ctx": load.n_ctx,
        "n_batch": load.n_batch,
        "threads": load.n_threads,
        "flash_attn": load.flash_attn,
    }
    raw, mine = [], []
    try:
        for rep in range(reps):
            raw.append(_peak_mb(RAW, raw_args, home))
            mine.append(_peak_mb(LLMSPELL, {**common, "spec": spec}, home))
            log(f"  rep {rep + 1}/{reps}: raw {raw[-1]:.1f} MB, llmspell {mine[-1]:.1f} MB")
    except Exception as exc:
        section.rows.append(Row("peak RSS", "not available yet", "", note=describe_exception(exc)))
        return section
    extra = median(mine) - median(raw)
    section.rows.append(
        Row(
            "peak resident memory, one generation (Python API vs raw)",
            f"{median(mine):.1f} MB vs raw {median(raw):.1f} MB",
            f"≤ raw + {TARGET_MB} MB",
            f"{extra:+.1f} MB",
            extra <= TARGET_MB,
        )
    )
    section.details.append(
        f"Each side in a fresh `python -c` process: load {MODEL_NAME}, stream one answer of "
        f"{settings.tokens} tokens, print its peak resident set: `VmHWM` from "
        "`/proc/self/status` (what `ru_maxrss` reports for a process started by a small parent; "
        "`ru_maxrss` itself keeps the parent's peak across fork+exec on Linux, so with the "
        "benchmark's own loaded models both sides would read the same inflated number). "
        f"llmspell: `Manager().agent(spec).stream(...)`; raw: `Llama(...)` with the options "
        f"llmspell resolved (n_ctx {load.n_ctx}, n_batch {load.n_batch}, {load.n_threads} "
        f"threads). {reps} alternating runs each, medians."
    )
    return section
