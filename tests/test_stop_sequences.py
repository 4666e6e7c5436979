"""The stop-sequence cutter: text deltas in, what the client may see out."""

import pytest

from messages_api.stops import StopSequences


def run(sequences, deltas):
    cutter = StopSequences(sequences)
    seen = [cutter.feed(delta) for delta in deltas]
    if cutter.matched is None:
        seen.append(cutter.flush())
    return "".join(seen), cutter.matched


@pytest.mark.parametrize(
    ("sequences", "deltas", "seen", "matched"),
    [
        (["STOP"], ["Hello STOP world"], "Hello ", "STOP"),
        (["STOP"], ["Hello ST", "OP world"], "Hello ", "STOP"),
        (["STOP"], ["Hello S", "T", "O", "P!"], "Hello ", "STOP"),
        (["STOP"], ["Hello ST", "AR"], "Hello STAR", None),
        (["STOP"], ["no sequence here"], "no sequence here", None),
        (["END", "STOP"], ["a STOP b END"], "a ", "STOP"),
        (["END", "STOP"], ["a E", "ND b STOP"], "a ", "END"),
        (["\n\nHuman:"], ["Sure.\n", "\nHuman: hi"], "Sure.", "\n\nHuman:"),
        (["aa"], ["a", "a"], "", "aa"),
        (["STOP"], ["STOP"], "", "STOP"),
        ([], ["text STOP"], "text STOP", None),
        ([""], ["text"], "text", None),
    ],
)
def test_it_cuts_the_text_at_the_first_stop_sequence(sequences, deltas, seen, matched):
    assert run(sequences, deltas) == (seen, matched)


def test_it_holds_back_only_what_could_begin_a_sequence():
    cutter = StopSequences(["STOP"])

    assert cutter.feed("Hello ST") == "Hello "
    assert cutter.feed("ill") == "STill"


def test_it_sees_nothing_after_a_match():
    cutter = StopSequences(["STOP"])
    cutter.feed("a STOP")

    assert cutter.feed("more") == ""
    assert cutter.flush() == ""
