"""The pull progress display: size first, a redrawn bar on a terminal, sparse lines in a pipe."""

from __future__ import annotations

import io

from llmspell import PullProgress
from llmspell_cli.progress import PullReporter, format_duration


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _feed(reporter: PullReporter, clock: Clock, total: int, steps: int, seconds: float) -> None:
    reporter(PullProgress("m", "pulling manifest"))
    for i in range(steps + 1):
        clock.now = i * seconds
        reporter(PullProgress("m", "pulling model.gguf", total * i // steps, total))
    reporter(PullProgress("m", "verifying sha256 digest"))
    reporter.close()


def test_pipe_gets_the_size_first_then_a_line_every_ten_percent():
    out, clock = io.StringIO(), Clock()
    _feed(PullReporter(out, live=False, clock=clock), clock, 98_000_000, 100, 0.01)
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["pulling manifest", "pulling model.gguf: 98.0 MB"]
    assert lines[-1] == "verifying sha256 digest"
    progress = lines[2:-1]
    assert len(progress) == 11  # 0 %, 10 %, ..., 100 %
    assert progress[5].startswith("   50%  49.0 MB / 98.0 MB  98.0 MB/s  ETA 0:00")
    assert progress[-1] == "  100%  98.0 MB / 98.0 MB"
    assert "\r" not in out.getvalue()


def test_pipe_also_reports_every_five_seconds_when_slow():
    out, clock = io.StringIO(), Clock()
    _feed(PullReporter(out, live=False, clock=clock), clock, 1_000_000, 200, 1.0)
    progress = [line for line in out.getvalue().splitlines() if "%" in line]
    assert 40 <= len(progress) <= 45  # 200 s of download: every 5 s, plus the 10 % steps


def test_terminal_gets_one_redrawn_line_with_bytes_rate_and_eta():
    out, clock = io.StringIO(), Clock()
    _feed(PullReporter(out, live=True, clock=clock, width=90), clock, 10_000_000, 10, 1.0)
    text = out.getvalue()
    assert text.startswith("pulling manifest\npulling model.gguf: 10.0 MB\n\r")
    frames = text.split("\r")[1:]
    assert len(frames) == 11
    middle = frames[5].rstrip()
    assert middle.startswith(" 50.0% [####################--------------------]")
    assert "5.0 MB / 10.0 MB" in middle and "1.0 MB/s" in middle and "ETA 0:05" in middle
    assert all(len(frame.split("\n")[0]) == 89 for frame in frames)  # never wraps the terminal
    assert frames[-1].startswith("100.0%")
    assert frames[-1].endswith("\nverifying sha256 digest\n")


def test_terminal_redraws_at_most_ten_times_a_second():
    out, clock = io.StringIO(), Clock()
    _feed(PullReporter(out, live=True, clock=clock, width=80), clock, 1_000_000, 1000, 0.001)
    # 1000 events over one second: the first frame, one per 0.1 s, and the final one.
    assert 10 <= out.getvalue().count("\r") <= 12


def test_narrow_terminal_drops_the_bar_not_the_numbers():
    out, clock = io.StringIO(), Clock()
    _feed(PullReporter(out, live=True, clock=clock, width=40), clock, 10_000_000, 10, 1.0)
    frame = out.getvalue().split("\r")[6]
    assert "#" not in frame and "5.0 MB / 10.0 MB" in frame


def test_durations():
    assert format_duration(5) == "0:05"
    assert format_duration(3725) == "1:02:05"


def test_a_step_that_arrives_complete_is_just_named():
    out, clock = io.StringIO(), Clock()
    reporter = PullReporter(out, live=False, clock=clock)
    reporter(PullProgress("m", "copying", 50, 100))
    reporter(PullProgress("m", "copying", 100, 100))
    reporter(PullProgress("m", "success", 100, 100))
    reporter.close()
    assert out.getvalue().splitlines() == [
        "copying: 100 B",
        "   50%  50 B / 100 B",
        "  100%  100 B / 100 B",
        "success",
    ]


def test_cumulative_figures_under_a_new_label_continue_the_same_bar():
    out, clock = io.StringIO(), Clock()
    reporter = PullReporter(out, live=False, clock=clock)
    reporter(PullProgress("m", "pulling layer-a", 0, 1000))
    reporter(PullProgress("m", "pulling layer-a", 600, 1000))
    reporter(PullProgress("m", "pulling layer-b", 650, 1100))  # Ollama: totals across layers
    reporter(PullProgress("m", "pulling layer-b", 1100, 1100))
    reporter(PullProgress("m", "success", 1100, 1100))
    reporter.close()
    assert out.getvalue().splitlines() == [
        "pulling layer-a: 1.0 KB",
        "    0%  0 B / 1.0 KB",
        "   60%  600 B / 1.0 KB",
        "  100%  1.1 KB / 1.1 KB",
        "success",
    ]


def test_percent_is_rounded_down_so_100_means_done():
    out, clock = io.StringIO(), Clock()
    reporter = PullReporter(out, live=True, clock=clock, width=80)
    reporter(PullProgress("m", "pulling", 9_999, 10_000))
    assert "\r 99.9% [" in out.getvalue()
