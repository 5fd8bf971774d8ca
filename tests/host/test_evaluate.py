"""Scoring of detected steps against ground truth (host tier)."""

from hypothesis import given
from hypothesis import strategies as st

from host_tools.evaluate import WARMUP_STEPS, match, score
from retrostride import events
from retrostride.trace import parse_lines


def labelled_trace(steps: list[tuple[int, str]], end_ms: int) -> list[str]:
    """A trace whose step column marks ``steps`` (t_ms, label); other samples still."""
    marks = dict(steps)
    rows = ["t_ms,ax,ay,az,label,step"]
    label = "still"
    for t in range(0, end_ms, 10):
        label = marks.get(t, label)
        rows.append(f"{t},0,0,9.81,{label},{1 if t in marks else 0}")
    return rows


@given(st.lists(st.integers(0, 100_000), unique=True), st.integers(-100, 100))
def test_a_shifted_copy_matches_every_step(times, shift):
    times.sort()
    spaced = [t for i, t in enumerate(times) if i == 0 or t - times[i - 1] > 300]
    found = [t + shift for t in spaced]
    assert match(spaced, found, 150) == list(range(len(spaced)))


def test_a_detection_is_used_once():
    assert match([1000, 1100], [1050], 150) == [0, None]


def test_direction_is_scored_after_the_warm_up_steps_and_turns_separately():
    truth = [(1000 + 500 * k, "walk_forward") for k in range(8)]
    truth += [(5000 + 500 * k, "turn") for k in range(3)]
    trace = parse_lines(labelled_trace(truth, 7000))
    found = [events.step(t, "backward", "walk", 120, 90, t + 400) for t, _ in truth]
    figures = score(trace, found).figures()
    assert figures["step_recall"] == figures["step_precision"] == 1.0
    assert figures["direction_scored_steps"] == 8 - WARMUP_STEPS
    assert figures["direction_recall"] == {"forward": 0.0, "backward": None}
    assert figures["turn_false_backward_rate"] == 1.0
    assert figures["gait_accuracy"] == 1.0
    assert figures["latency_ms_median"] == 400


def test_recall_is_also_given_per_true_label_and_adds_up_across_traces():
    walking = [(1000 + 500 * k, "walk_forward") for k in range(4)]
    standing = [(4000, "still"), (4600, "still")]
    trace = parse_lines(labelled_trace(walking + standing, 6000))
    found = [events.step(t, "forward", "walk", 90, 90, t + 200) for t, _ in walking]
    tally = score(trace, found)
    tally.add(score(trace, found[:2]))
    assert tally.figures()["step_recall_by_label"] == {"still": 0.0, "walk_forward": 0.75}


def test_a_step_called_the_wrong_way_and_dated_by_it_is_a_wrong_call_not_only_a_miss():
    """Walking contacts are dated by direction: a backward call lands ~290 ms off."""
    truth = [(1000 + 700 * k, "walk_forward") for k in range(10)]  # slow walking
    trace = parse_lines(labelled_trace(truth, 9000))
    found = [events.step(t, "forward", "walk", 110, 90, t + 300) for t, _ in truth[:6]]
    found += [events.step(t - 290, "backward", "walk", 110, 60, t + 300) for t, _ in truth[6:]]
    figures = score(trace, found).figures()
    assert figures["step_recall"] == 0.6  # the mis-dated contacts are not found...
    assert figures["direction_scored_steps"] == 10 - WARMUP_STEPS  # ...but they are judged
    assert figures["direction_recall"]["forward"] == round(3 / 7, 4)
