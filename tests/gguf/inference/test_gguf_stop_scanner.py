"""Stop strings are found however the text is cut into tokens, and nothing of them leaks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from llmspell_gguf.stop_scanner import StopScanner

alphabet = st.sampled_from("ab c\né")


def feed_all(pieces: list[str], stops: list[str]) -> tuple[str, bool]:
    scanner = StopScanner(stops)
    shown = []
    for piece in pieces:
        shown.append(scanner.feed(piece))
        if scanner.stopped:
            return "".join(shown), True
    return "".join(shown) + scanner.flush(), False


def cut_whole_text(pieces: list[str], stops: list[str]) -> tuple[str, bool]:
    """The reference: after each token, look for the stops in everything generated so far."""
    for k in range(1, len(pieces) + 1):
        text = "".join(pieces[:k])
        hits = [text.find(s) for s in stops if s and s in text]
        if hits:
            return text[: min(hits)], True
    return "".join(pieces), False


pieces_strategy = st.lists(st.text(alphabet, max_size=4), max_size=12)
stops_strategy = st.lists(st.text(alphabet, min_size=1, max_size=3), max_size=3)


@given(pieces_strategy, stops_strategy)
def test_streamed_text_equals_searching_the_whole_text_after_each_token(pieces, stops):
    assert feed_all(pieces, stops) == cut_whole_text(pieces, stops)


def test_only_a_possible_beginning_of_a_stop_string_is_held_back():
    scanner = StopScanner(["</end>"])
    assert scanner.feed("hello <") == "hello "
    assert scanner.feed("/e") == ""
    assert scanner.feed("x") == "</ex"
    assert scanner.feed(" done </en") == " done "
    assert scanner.feed("d> tail") == ""
    assert scanner.stopped


def test_held_text_is_released_when_generation_ends():
    scanner = StopScanner(["STOP"])
    assert scanner.feed("almost ST") == "almost "
    assert scanner.flush() == "ST"
