"""Several clients on one kernel: their requests run at once, so their generations share
the model's batches; each client gets exactly its own output; an interrupt stops only the
request it names (or, naming none, everything running); one notebook session's cells
still run one at a time, in order."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
from jupyter_client import BlockingKernelClient

from tests.kernel.helpers import KERNEL_ID, LLMSPELL, SMOLLM2, isolated_env, llmspell

ISOLATED = {"llmspell": {"isolated": True, "chunkname": "=(exec)", "script": "exec"}}
#: Greedy SmolLM2 goes on past 1,500 tokens with this prompt, with or without "Be brief.".
LONG_STORY = "Write a very long story about a dragon."
#: Tokens for a generation that is stopped long before its end. Not 4000: a sequence is
#: admitted only when its prompt and max_tokens fit beside the others' in the 4096-cell
#: context, so 4000 would keep every other client waiting (docs/gguf.md).
LONG = 1000


@pytest.fixture
def clients(kernel) -> Iterator[Callable[[int], list[BlockingKernelClient]]]:
    """Make n clients (each its own session) on the session's kernel.

    Made before any generation starts: jupyter_client's `wait_for_ready` returns only once
    iopub has been quiet for 0.2 s, and another client's streamed tokens keep it busy."""
    made: list[BlockingKernelClient] = []

    def make(n: int) -> list[BlockingKernelClient]:
        for _ in range(n):
            kc = BlockingKernelClient()
            kc.load_connection_file(str(kernel.connection_file))
            kc.start_channels()
            kc.wait_for_ready(timeout=30)
            made.append(kc)
        return made[-n:]

    yield make
    for kc in made:
        kc.stop_channels()


def turn(text: str, max_tokens: int, temperature: float = 0) -> dict[str, Any]:
    """An agent_request (what `chat --connect` sends) for one greedy turn."""
    params = {"temperature": temperature, "seed": 1, "max_tokens": max_tokens}
    return {"model": SMOLLM2, "system_prompt": "Be brief.", "params": params, "text": text}


def lua_turn(text: str, max_tokens: int, temperature: float = 0) -> str:
    """The same turn as a Lua script streaming its reply (what `run --connect` runs)."""
    return (
        f'local a = Agent.create{{ model = "{SMOLLM2}", system_prompt = "Be brief.", '
        f"temperature = {temperature}, seed = 1, max_tokens = {max_tokens} }}\n"
        f'for c in a:execute_streaming{{ text = "{text}" }} do io.write(c.content.text) end\n'
    )


def cell(code: str, stop_on_error: bool = False) -> dict[str, Any]:
    return {"code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": stop_on_error}  # fmt: skip


@attrs.define
class Flight:
    """One request on its own client: its iopub messages and reply, gathered by a thread
    as they arrive (with arrival times), plus every stream message the client saw."""

    kc: BlockingKernelClient
    msg_id: str
    messages: list[tuple[float, dict[str, Any]]] = attrs.field(factory=list)
    streams_seen: list[dict[str, Any]] = attrs.field(factory=list)
    reply: dict[str, Any] = attrs.field(factory=dict)
    replied_at: float = 0.0
    streaming: threading.Event = attrs.field(factory=threading.Event)
    done: threading.Event = attrs.field(factory=threading.Event)

    def gather(self) -> None:
        deadline = time.monotonic() + 180
        try:
            while True:
                got = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
                if got["msg_type"] == "stream":
                    self.streams_seen.append(got)
                if got["parent_header"].get("msg_id") != self.msg_id:
                    continue
                if got["msg_type"] == "status" and got["content"]["execution_state"] == "idle":
                    break
                self.messages.append((time.monotonic(), got))
                if got["msg_type"] == "stream":
                    self.streaming.set()
            while not self.reply:
                got = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
                if got["parent_header"].get("msg_id") == self.msg_id:
                    self.reply, self.replied_at = got["content"], time.monotonic()
        finally:
            self.streaming.set()
            self.done.set()

    def wait(self, timeout: float = 180) -> Flight:
        assert self.done.wait(timeout), f"no reply to {self.msg_id} within {timeout} s"
        return self

    @property
    def stdout(self) -> str:
        return "".join(m["content"]["text"] for _, m in self.messages if m["msg_type"] == "stream")

    @property
    def first_token_at(self) -> float:
        return next(t for t, m in self.messages if m["msg_type"] == "stream")

    @property
    def input_count(self) -> int:
        """The execution count its execute_input announced."""
        [msg] = [m for _, m in self.messages if m["msg_type"] == "execute_input"]
        return msg["content"]["execution_count"]


def fly(
    kc: BlockingKernelClient,
    msg_type: str,
    content: dict[str, Any],
    metadata: dict[str, Any] | None = None,
) -> Flight:
    """Send a request (before the gathering thread touches the client's sockets)."""
    msg = kc.session.msg(msg_type, content, metadata=metadata or {})
    kc.shell_channel.send(msg)
    flight = Flight(kc, msg["header"]["msg_id"])
    threading.Thread(target=flight.gather, daemon=True).start()
    return flight


def interrupt(kc: BlockingKernelClient, content: dict[str, Any]) -> dict[str, Any]:
    """An interrupt_request on the control channel; its reply content."""
    msg = kc.session.msg("interrupt_request", content)
    kc.control_channel.send(msg)
    while True:
        got = kc.control_channel.get_msg(timeout=30)
        if got["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            return got["content"]


# -- running at once ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("msg_type", "long", "short", "metadata"),
    [
        ("agent_request", turn(LONG_STORY, 200), turn("Name three colors.", 16), None),
        ("execute_request", cell(lua_turn(LONG_STORY, 200)),
         cell(lua_turn("Name three colors.", 16)), ISOLATED),
    ],
    ids=["chat-turns", "isolated-scripts"],
)  # fmt: skip
def test_a_second_clients_generation_streams_while_the_first_is_generating(
    clients, msg_type, long, short, metadata
):
    kc, other = clients(2)
    first = fly(kc, msg_type, long, metadata)
    assert first.streaming.wait(120)
    second = fly(other, msg_type, short, metadata).wait()
    first.wait()
    assert first.reply["status"] == second.reply["status"] == "ok", (first.reply, second.reply)
    assert second.first_token_at < first.replied_at  # not queued behind the first
    assert second.replied_at < first.replied_at
    if msg_type == "execute_request":  # each request has its own execution count
        counts = [f.reply["execution_count"] for f in (first, second)]
        assert counts[0] != counts[1]
        assert [f.input_count for f in (first, second)] == counts


def test_each_client_gets_exactly_its_own_text_the_same_as_alone(clients):
    prompts = ["What is the capital of France?", "What color is the sky?"]
    [solo] = clients(1)
    alone = [fly(solo, "agent_request", turn(p, 24)).wait() for p in prompts]
    pair = clients(2)  # these see only what is said while they generate together
    together = [fly(kc, "agent_request", turn(p, 24)) for kc, p in zip(pair, prompts, strict=True)]
    for first, flight in zip(alone, together, strict=True):
        flight.wait()
        assert flight.reply["status"] == "ok", flight.reply
        assert flight.stdout == flight.reply["result"]["text"] == first.stdout
        assert flight.stdout.strip()
    ids = {f.msg_id for f in together}
    for flight in together:  # every stream either client saw belongs to one of the two
        assert {m["parent_header"].get("msg_id") for m in flight.streams_seen} <= ids


def test_model_commands_that_read_are_answered_while_a_generation_runs(clients):
    kc, other = clients(2)
    long = fly(kc, "agent_request", turn(LONG_STORY, 200))
    assert long.streaming.wait(120)
    listing = fly(other, "model_request", {"command": "list"}).wait()
    long.wait()
    assert listing.reply["status"] == "ok"
    assert any(m["name"] == "smollm2:135m" for m in listing.reply["result"]["models"])
    assert listing.replied_at < long.replied_at


# -- interrupts -------------------------------------------------------------------------


def test_an_interrupt_naming_one_request_stops_it_and_the_other_runs_to_its_end(clients):
    kcs = clients(3)
    doomed = fly(kcs[0], "agent_request", turn(LONG_STORY, LONG))
    spared = fly(kcs[1], "agent_request", turn("Write a short story about a cat.", 200))
    assert doomed.streaming.wait(120) and spared.streaming.wait(120)
    answer = interrupt(kcs[2], {"msg_id": doomed.msg_id})
    assert answer == {"status": "ok", "interrupted": [doomed.msg_id]}
    doomed.wait(30)
    assert doomed.reply["ename"] == "KeyboardInterrupt" and doomed.reply["exit_code"] == 130
    spared.wait()
    assert spared.reply["status"] == "ok", spared.reply
    assert spared.reply["result"]["finish_reason"] in ("stop", "length")
    assert spared.stdout == spared.reply["result"]["text"]
    assert doomed.replied_at < spared.replied_at  # it went on after the other stopped


def test_a_pull_runs_beside_reads_and_an_interrupt_stops_it_for_a_resume(
    isolated_home, plugin_path
):
    env = {**isolated_env(isolated_home), "PYTHONPATH": str(plugin_path)}
    env["SCRIPTED_PULL_DELAY"] = "0.1"  # 2 % every 0.1 s: about 5 s in all
    assert llmspell("kernel", "start", "--daemon", "--id", "puller", env=env).returncode == 0
    kcs = []
    try:
        for _ in range(2):
            kcs.append(BlockingKernelClient())
            kcs[-1].load_connection_file(str(isolated_home / "kernels" / "puller.json"))
            kcs[-1].start_channels()
            kcs[-1].wait_for_ready(timeout=60)
        pull = fly(kcs[0], "model_request", {"command": "pull", "model": "scripted/tiny"})
        while len(pull.messages) < 5 and not pull.done.is_set():  # a few progress events
            time.sleep(0.05)
        listing = fly(kcs[1], "model_request", {"command": "list"}).wait(30)
        assert listing.reply["status"] == "ok" and not pull.done.is_set()
        assert interrupt(kcs[1], {"msg_id": pull.msg_id})["interrupted"] == [pull.msg_id]
        reply = pull.wait(30).reply
        assert (reply["ename"], reply["exit_code"]) == ("KeyboardInterrupt", 130)
        assert reply["evalue"] == (
            "Pull interrupted. What was downloaded is kept: run the same command to resume."
        )
        resumed = fly(kcs[0], "model_request", {"command": "pull", "model": "scripted/tiny"})
        first = next(m for _, m in resumed.wait(60).messages if m["content"].get("total"))
        assert first["content"]["completed"] > 200_000  # it went on from what it had
        assert resumed.reply["result"]["status"] == "pulled"
    finally:
        for kc in kcs:
            kc.stop_channels()
        llmspell("kernel", "stop", "puller", env=env)


def test_ctrl_c_in_one_connected_cli_stops_only_its_own_script(kernel):
    def exec_connected(code: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [LLMSPELL, "exec", "--connect", KERNEL_ID, code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=kernel.env,
            bufsize=0,  # read(1) takes one byte, so communicate() gets all the rest
        )

    doomed = exec_connected(lua_turn(LONG_STORY, LONG))
    spared = exec_connected(lua_turn("Write a short story about a cat.", 200) + 'print("\\ndone")')
    assert doomed.stdout is not None and spared.stdout is not None
    doomed.stdout.read(1)  # both have their first token
    spared.stdout.read(1)
    doomed.send_signal(signal.SIGINT)
    _, err = doomed.communicate(timeout=30)
    assert doomed.returncode == 130
    assert err.decode().strip().endswith("Interrupted.")
    assert spared.poll() is None  # still generating
    out, err = spared.communicate(timeout=180)
    assert spared.returncode == 0, err
    assert out.decode().endswith("\ndone\n") and len(out) > 100


def test_an_interrupt_naming_nothing_stops_every_running_request(clients):
    streaming, executing, jupyter = clients(3)
    whole_reply = (  # agent:execute returns only at the end: stopped mid-reply all the same
        f'local a = Agent.create{{ model = "{SMOLLM2}", temperature = 0, max_tokens = {LONG} }}\n'
        f'print("asking") a:execute{{ text = "{LONG_STORY}" }} print("never")\n'
    )
    flights = [
        fly(streaming, "execute_request", cell(lua_turn(LONG_STORY, LONG)), ISOLATED),
        fly(executing, "execute_request", cell(whole_reply), ISOLATED),
    ]
    for flight in flights:
        assert flight.streaming.wait(120)
    time.sleep(0.5)  # well into both generations
    answer = interrupt(jupyter, {})  # what the interrupt button sends
    assert answer["status"] == "ok"
    assert sorted(answer["interrupted"]) == sorted(f.msg_id for f in flights)
    for flight in flights:
        reply = flight.wait(30).reply
        assert reply["ename"] == "KeyboardInterrupt"
        assert reply["llmspell"]["exit_code"] == 130
    assert flights[1].stdout == "asking\n"


def test_an_interrupt_naming_a_finished_request_stops_nothing_and_bad_ones_are_refused(clients):
    [kc] = clients(1)
    done = fly(kc, "execute_request", cell('print("hi")'), ISOLATED).wait()
    assert interrupt(kc, {"msg_id": done.msg_id}) == {"status": "ok", "interrupted": []}
    refused = interrupt(kc, {"msg_id": 5})
    assert refused["status"] == "error"
    assert refused["evalue"] == (
        "interrupt_request fields msg_id and session must be strings "
        "(or absent, to interrupt everything running)."
    )


# -- one session stays in order -----------------------------------------------------------


def test_a_sessions_cells_run_one_at_a_time_in_order(clients):
    [kc] = clients(1)
    codes = [
        lua_turn("Count to five.", 24) + 'log = "1"',
        'log = log .. "2"',
        "print(log)",
    ]
    ids = []
    for code in codes:  # sent back to back, before the first has finished
        msg = kc.session.msg("execute_request", cell(code))
        kc.shell_channel.send(msg)
        ids.append(msg["header"]["msg_id"])
    events: list[tuple[str, str]] = []  # (msg_id, what) in arrival order
    idle: set[str] = set()
    out = {i: "" for i in ids}
    while idle != set(ids):
        got = kc.get_iopub_msg(timeout=120)
        parent = got["parent_header"].get("msg_id")
        if parent not in out:
            continue
        if got["msg_type"] == "status" and got["content"]["execution_state"] == "idle":
            idle.add(parent)
            events.append((parent, "idle"))
        elif got["msg_type"] == "execute_input":
            events.append((parent, "input"))
        elif got["msg_type"] == "stream":
            out[parent] += got["content"]["text"]
    replies = [kc.get_shell_msg(timeout=30) for _ in ids]
    assert [r["parent_header"]["msg_id"] for r in replies] == ids
    assert [r["content"]["status"] for r in replies] == ["ok"] * 3
    assert out[ids[2]] == "12\n"
    # each cell began only after the one before it had ended
    assert events == [(i, what) for i in ids for what in ("input", "idle")]
    counts = [r["content"]["execution_count"] for r in replies]
    assert counts == [counts[0], counts[0] + 1, counts[0] + 2]


def test_a_notebooks_long_cell_does_not_hold_up_another_client(clients):
    notebook, other = clients(2)  # `other` is used as jupyter console uses it
    long = fly(notebook, "execute_request", cell(lua_turn(LONG_STORY, 200)))
    assert long.streaming.wait(120)
    seen: list[str] = []
    reply = other.execute_interactive(
        'print("meanwhile")',
        output_hook=lambda m: seen.append(m["content"]["text"]) if m["msg_type"] == "stream" else 0,
        timeout=60,
    )
    answered = time.monotonic()
    assert reply["content"]["status"] == "ok"
    assert seen == ["meanwhile\n"]
    assert answered < long.wait().replied_at


def test_a_failed_cell_aborts_its_own_queued_cells_only(clients):
    kc, other = clients(2)
    failing = kc.session.msg(
        "execute_request", cell(lua_turn("Count to five.", 24) + 'error("boom")', True)
    )
    queued = kc.session.msg("execute_request", cell('print("never")', True))
    kc.shell_channel.send(failing)
    kc.shell_channel.send(queued)
    elsewhere = fly(other, "execute_request", cell('print("elsewhere")', True)).wait()
    replies = {}
    while len(replies) < 2:
        got = kc.get_shell_msg(timeout=120)
        replies[got["parent_header"]["msg_id"]] = got["content"]
    assert replies[failing["header"]["msg_id"]]["evalue"] == "(cell):3: boom"
    assert replies[queued["header"]["msg_id"]]["status"] == "aborted"
    assert elsewhere.reply["status"] == "ok" and elsewhere.stdout == "elsewhere\n"
    assert fly(kc, "execute_request", cell('print("after")', True)).wait().stdout == "after\n"
