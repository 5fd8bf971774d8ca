"""``retrostride plan validate`` / ``plan next``: exit codes, one line per problem, progression."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

RETROSTRIDE = Path(sys.executable).with_name("retrostride")
PLANS = Path(__file__).resolve().parents[2] / "host_tools" / "plans"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RETROSTRIDE), "plan", *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("name", ["intro", "treadmill", "stage2", "stage3"])
def test_bundled_plans_are_valid(name):
    result = run("validate", str(PLANS / f"{name}.json"))
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_problems_one_per_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "version": 1,
                "name": "x",
                "blocks": [
                    {"kind": "warmup", "seconds": 60},
                    {"repeat": 2, "blocks": [{"kind": "backward", "seconds": 0, "speed": 3}]},
                ],
                "colour": "red",
            }
        )
    )
    result = run("validate", str(bad))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad}: colour: unknown key",
        f"{bad}: blocks[1].blocks[0].speed: unknown key",
        f"{bad}: blocks[1].blocks[0].seconds: must be > 0",
    ]


def test_a_key_given_twice_is_a_problem_not_the_last_one_silently(tmp_path):
    """The device's JSON parser keeps the last of two equal keys: a hand-edited plan
    would lose its first blocks without a word."""
    twice = tmp_path / "twice.json"
    twice.write_text(
        '{"version": 1, "name": "x", "blocks": [{"kind": "warmup", "seconds": 60}],'
        ' "blocks": [{"kind": "backward", "seconds": 30}]}'
    )
    result = run("validate", str(twice))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{twice}: 'blocks' is given twice in one object"]
    result = subprocess.run(
        [str(RETROSTRIDE), "simulate", "--out", str(tmp_path / "t.csv"), "--plan", str(twice)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "'blocks' is given twice" in result.stderr


def test_backward_cap_is_configurable(tmp_path):
    long = tmp_path / "long.json"
    long.write_text('{"version": 1, "name": "x", "blocks": [{"kind": "backward", "seconds": 50}]}')
    assert run("validate", str(long)).returncode == 0
    result = run("validate", str(long), "--cap-s", "45")
    assert result.returncode == 2 and "above the cap of 45" in result.stderr


def test_not_json_and_missing_file(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{")
    result = run("validate", str(bad))
    assert result.returncode == 2 and "not valid JSON" in result.stderr
    result = run("validate", str(tmp_path / "none.json"))
    assert result.returncode == 2 and "cannot read plan" in result.stderr
    assert "Traceback" not in result.stderr


def test_json_nested_past_what_the_reader_takes_is_one_line(tmp_path):
    deep = tmp_path / "deep.json"
    nest = 2000
    blocks = '{"repeat": 2, "blocks": [' * nest + '{"kind": "forward", "seconds": 5}' + "]}" * nest
    deep.write_text('{"version": 1, "name": "deep", "blocks": [' + blocks + "]}")
    result = run("validate", str(deep))
    assert result.returncode == 2 and "nested too deep to read" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_plan_saved_with_a_byte_order_mark_is_read(tmp_path):
    plan = tmp_path / "notepad.json"
    plan.write_bytes(b"\xef\xbb\xbf" + (PLANS / "intro.json").read_bytes())
    result = run("validate", str(plan))
    assert result.returncode == 0, result.stderr


def test_next_without_history_holds(tmp_path):
    result = run("next", "--db", str(tmp_path / "missing.db"))
    assert result.returncode == 2 and "no session database" in result.stderr
    garbage = tmp_path / "notes.txt"  # --db pointed at the wrong file: the user's to fix
    garbage.write_text("not a database\n" * 100)
    result = run("next", "--db", str(garbage))
    assert result.returncode == 2 and "cannot open the session database" in result.stderr
    assert "Traceback" not in result.stderr and garbage.read_text().startswith("not a")
    out = tmp_path / "next.json"
    result = run("next", "--plan", str(PLANS / "intro.json"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text()) == json.loads((PLANS / "intro.json").read_text())


def store_held_sessions(db: Path, plan_def: dict[str, object] | None = None) -> None:
    """Two sessions of the intro held well, their logs carrying ``plan_def`` if given."""
    store = pytest.importorskip("host_tools.store")
    logbook = pytest.importorskip("retrostride.logbook")
    for n in (1, 2):  # a plan grows after two in a row
        header = {"session": f"s{n}", "plan": "Reverse intro", "tag": f"{n:08x}"}
        if plan_def is not None:
            header["plan_def"] = plan_def
        buf = io.BytesIO()
        w = logbook.Writer(buf, header)
        w.append({"type": "session_start", "t_ms": 0, "plan": "Reverse intro"})
        w.append(
            {
                "type": "session_end",
                "t_ms": 1320000,
                "plan": "Reverse intro",
                "steps": 3000,
                "backward_steps": 400,
                "backward_s": 170,
                "compliance": [98, 91, 95, 90, 92, 88, 94, 90, 93, 91, 95, 92, 96, 99],
                "completed": True,
                "falls": 0,
                "skipped": 0,
            }
        )
        with store.Store(db) as s:
            s.add(buf.getvalue(), "test")


def test_next_progresses_from_a_stored_session(tmp_path):
    db = tmp_path / "s.db"
    store_held_sessions(db)
    result = run("next", "--db", str(db), "--plan", str(PLANS / "intro.json"))
    assert result.returncode == 0, result.stderr
    new = json.loads(result.stdout)
    assert new["blocks"][1]["blocks"][0] == {"kind": "backward", "seconds": 45}
    assert result.stderr.startswith("progress: last session held well")


def test_next_builds_on_the_plan_the_last_session_ran(tmp_path):
    """Without --plan, not the bundled intro again: the plan the board ran (its log
    carries it), so the suggestions build on each other as they are deployed."""
    ran = json.loads((PLANS / "intro.json").read_text())
    ran["blocks"][1]["blocks"][0]["seconds"] = 45  # last time's suggestion, deployed
    db = tmp_path / "s.db"
    store_held_sessions(db, ran)
    result = run("next", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["blocks"][1]["blocks"][0] == {
        "kind": "backward",
        "seconds": 60,
    }
    assert result.stderr.startswith("from the plan the last session ran")
