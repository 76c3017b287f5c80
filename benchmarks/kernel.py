"""Connected mode: a warm one-shot through a running kernel against the same cold one-shot,
and how late the first streamed token reaches a client after the kernel produced it.

    python benchmarks/kernel.py [--reps N]      (or benchmarks/run.py --only kernel)

- cold: `llmspell exec '<8 tokens from SmolLM2>'`, a fresh process that loads the model;
- warm: the same command with `--connect bench`, a kernel that has the model loaded;
  target (MISSION.md / issue #13): warm at least 3x faster end to end;
- first token: a `jupyter_client` client streams a reply; each `stream` message carries
  the kernel's own timestamp (its header `date`, set when the token was published) and is
  timed again on arrival; target: within 20 ms. Also shown: request -> first token.
- clients (#16): 1, 2 and 4 `chat --connect` clients (the CLI's own `RemoteAgent`, each
  its own connection and session, in threads of this process so no client start-up is
  timed) each ask the warm kernel for the same number of greedy tokens at once; aggregate
  tokens/s = all completion tokens / the wall time from the first request to the last
  reply. The kernel serves them concurrently, so their generations share the batches.

    python benchmarks/kernel.py --only clients --reps 1     (just that row)
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SEED, Home, Row, Section, Settings, llmspell_command, median
from drivers import describe_exception

KERNEL_ID = "bench"
ONE_SHOT = (
    'local a = Agent.create{{ model = "{spec}", max_tokens = 8, temperature = 0, seed = {seed} }}\n'
    'print(a:complete("Say hello."))'
)
#: Greedy SmolLM2 goes on far past 128 tokens here, so every client generates all its tokens.
CLIENT_PROMPT = "Write a very long story about a dragon."
CLIENT_COUNTS = (1, 2, 4)
PARTS = ("oneshot", "clients")
STREAM = (
    'local a = Agent.create{{ model = "{spec}", max_tokens = 32, temperature = 0, '
    "seed = {seed} }}\n"
    'for c in a:execute_streaming{{ text = "Count to ten." }} do io.write(c.content.text) end'
)


def _first_tokens(connection_file: str, code: str, reps: int) -> tuple[list[float], list[float]]:
    """(arrival - kernel timestamp, arrival - request sent) of the first token, per rep."""
    from jupyter_client import BlockingKernelClient

    kc = BlockingKernelClient(connection_file=connection_file)
    kc.load_connection_file()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    transport, latency = [], []
    try:
        for _ in range(reps):
            sent = time.time()
            msg_id = kc.execute(code, store_history=False)
            first = None
            while True:
                msg = kc.get_iopub_msg(timeout=120)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if first is None and msg["msg_type"] == "stream":
                    arrived = time.time()
                    stamp = msg["header"]["date"]
                    if isinstance(stamp, str):
                        stamp = datetime.fromisoformat(stamp)
                    first = (arrived - stamp.timestamp(), arrived - sent)
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
            kc.get_shell_msg(timeout=120)
            if first is not None:
                transport.append(first[0])
                latency.append(first[1])
    finally:
        kc.stop_channels()
    return transport, latency


def _clients_at_once(connection_file: str, spec: str, n: int, tokens: int) -> float:
    """Aggregate completion tokens/s of `n` connected chat clients asking at once."""
    from llmspell import GenerationParams
    from llmspell_kernel.remote import RemoteAgent

    params = GenerationParams(temperature=0, seed=SEED, max_tokens=tokens)
    agents = [RemoteAgent.open(connection_file, spec, params=params) for _ in range(n)]
    counts: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(n + 1)

    def ask(agent: RemoteAgent) -> None:
        start.wait()
        try:
            counts.append(agent.execute(CLIENT_PROMPT).usage.completion or 0)
        except BaseException as exc:  # reported below, in the measuring thread
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(a,)) for a in agents]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for agent in agents:
        agent.close()
    if errors:
        raise errors[0]
    if sum(counts) != n * tokens:
        raise RuntimeError(f"the clients generated {counts} tokens, not {tokens} each")
    return sum(counts) / elapsed


def _clients_row(
    connection_file: str, spec: str, settings: Settings, reps: int, log: Callable[[str], None]
) -> Row:
    _clients_at_once(connection_file, spec, 1, 8)  # the model loads here, untimed
    rates: dict[int, list[float]] = {n: [] for n in CLIENT_COUNTS}
    for _ in range(reps):  # interleaved, so load on the machine hits every count alike
        for n in CLIENT_COUNTS:
            rates[n].append(_clients_at_once(connection_file, spec, n, settings.tokens))
    best = {n: median(r) for n, r in rates.items()}  # medians
    gain = best[CLIENT_COUNTS[-1]] / best[1]
    shown = ", ".join(f"{n}: {best[n]:.0f}" for n in CLIENT_COUNTS)
    log(f"  clients at once (tokens/s): {shown}; {CLIENT_COUNTS[-1]} vs 1: {gain:.2f}x")
    return Row(
        f"`chat --connect` clients at once on one warm kernel, aggregate tokens/s "
        f"({settings.tokens} tokens each)",
        shown,
        f"{CLIENT_COUNTS[-1]} clients > 1 (batched)",
        f"{gain:.2f}×",
        gain > 1,
    )


def measure(
    home: Home, settings: Settings, log: Callable[[str], None], parts: tuple[str, ...] = PARTS
) -> Section:
    section = Section("Connected mode (a running kernel)")
    reps = 3 if settings.quick else min(settings.reps, 11)
    try:
        import llmspell_kernel  # noqa: F401 - the optional distribution

        llmspell = llmspell_command()
        spec = home.import_model()
    except Exception as exc:
        section.rows.append(Row("kernel", "not available yet", "", note=describe_exception(exc)))
        return section
    one_shot = ONE_SHOT.format(spec=spec, seed=SEED)
    started = subprocess.run(
        [*llmspell, "kernel", "start", "--daemon", "--id", KERNEL_ID],
        env=home.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if started.returncode != 0:
        note = started.stderr.strip()[-300:]
        section.rows.append(Row("kernel", "not available yet", "", note=note))
        return section
    try:
        record = json.loads((home.path / "kernels" / f"{KERNEL_ID}.kernel.json").read_text())
        if "oneshot" in parts:
            _one_shot_rows(section, home, llmspell, one_shot, spec, record, reps, log)
        if "clients" in parts:
            section.rows.append(_clients_row(record["connection_file"], spec, settings, reps, log))
            section.details.append(
                f"Clients row: {', '.join(map(str, CLIENT_COUNTS))} connected chat clients (the "
                "CLI's `RemoteAgent`, in threads) ask the warm kernel at once; all completion "
                "tokens / wall time from the first request to the last reply, median of "
                f"{reps} interleaved repetitions."
            )
    except Exception as exc:
        section.rows.append(Row("kernel", "failed", "", note=describe_exception(exc)))
    finally:
        subprocess.run(
            [*llmspell, "kernel", "stop", KERNEL_ID], env=home.env, capture_output=True, timeout=60
        )
    return section


def _one_shot_rows(
    section: Section,
    home: Home,
    llmspell: list[str],
    one_shot: str,
    spec: str,
    record: dict,
    reps: int,
    log: Callable[[str], None],
) -> None:
    cold_argv = [*llmspell, "exec", one_shot]
    warm_argv = [*llmspell, "exec", "--connect", KERNEL_ID, one_shot]
    home.wall(cold_argv)  # the OS file cache
    home.wall(warm_argv)  # the kernel loads the model once, here
    cold, warm = [], []
    for _ in range(reps):  # interleaved, so load on the machine hits both alike
        cold.append(home.wall(cold_argv))
        warm.append(home.wall(warm_argv))
    ratio = median(cold) / median(warm)
    section.rows.append(
        Row(
            "one-shot `llmspell exec` (8 tokens): cold vs `--connect` to a warm kernel",
            f"cold {median(cold) * 1000:.0f} ms, warm {median(warm) * 1000:.0f} ms",
            "warm ≥ 3× faster",
            f"{ratio:.2f}×",
            ratio >= 3,
        )
    )
    log(f"  one-shot: cold {median(cold):.3f} s, warm {median(warm):.3f} s ({ratio:.2f}x)")
    transport, latency = _first_tokens(
        record["connection_file"], STREAM.format(spec=spec, seed=SEED), reps
    )
    delay = median(transport) * 1000
    section.rows.append(
        Row(
            "first streamed token: at the client vs published by the kernel",
            f"+{delay:.1f} ms (request → first token {median(latency) * 1000:.0f} ms)",
            "within 20 ms",
            "",
            delay <= 20,
        )
    )
    log(f"  first token: +{delay:.1f} ms after the kernel published it")
    section.details.append(
        f"Kernel rows: {reps} interleaved repetitions, medians; cold = a fresh `llmspell exec` "
        "process (start-up, model load, 8 tokens), warm = `llmspell exec --connect` to a "
        "kernel that already holds the model (start-up of the client, one request)."
    )


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=11)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tokens", type=int, default=128, help="per client (clients row)")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    args = parser.parse_args()
    settings = Settings(args.reps, args.tokens, args.quick)
    section = measure(Home(), settings, lambda m: print(m, flush=True), tuple(args.only))
    for row in section.rows:
        verdict = {True: "met", False: "MISSED", None: ""}[row.passed]
        print(f"{row.name}: {row.value} | target {row.target} | {row.ratio} {verdict} {row.note}")
    return 0 if all(r.passed is not False for r in section.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
