"""The grade-wide deadline: rubric data, refused when the timeouts cannot fit it, and kept
by the grade whatever the lanes do: the items that finished keep their scores, the others
get 0 with "not run"."""
import dataclasses
import json
import threading
import time
from pathlib import Path

import pytest

from grader_helpers import KIT, SOLUTION
from autograder import rubric as rubric_file
from autograder.grade import run as grade_run
from autograder.grade.budget import Budget
from submissions import copy_code

ITEM = '''
[[item]]
id = "{id}"
number = "{number}"
name = "an item"
points = 1
visibility = "visible"
{extra}
'''


def rubric_text(deadline="", timeouts=(8, 8), notebook=""):
    items = "".join(ITEM.format(id=f"x.{n}", number=f"1.{n}", extra=f"timeout = {t}")
                    for n, t in enumerate(timeouts, 1))
    return f'title = "t"\n{deadline}\n[defaults]\ntimeout = 8\n{items}\n{notebook}'


def load(tmp_path, text):
    path = tmp_path / "rubric.toml"
    path.write_text(text)
    return rubric_file.load(path)


def test_the_kit_deadline_is_inside_gradescopes_default_timeout():
    rubric = rubric_file.load()
    assert rubric.deadline == 600 - 60
    assert rubric.worst_case() <= rubric.deadline


def test_the_deadline_is_gradescopes_timeout_less_the_reserve(tmp_path):
    text = rubric_text("[deadline]\ngradescope_timeout = 2400\nreserve = 100")
    assert load(tmp_path, text).deadline == 2300
    assert load(tmp_path, rubric_text()).deadline == 540


def test_a_rubric_whose_timeouts_cannot_fit_is_refused(tmp_path):
    with pytest.raises(rubric_file.RubricError, match="add up to 610 s.*deadline of 540 s"):
        load(tmp_path, rubric_text(timeouts=(300, 300)))
    # the same timeouts fit a course that raised its Gradescope timeout
    load(tmp_path, rubric_text("[deadline]\ngradescope_timeout = 900", timeouts=(300, 300)))


def test_the_notebooks_budget_counts_and_must_hold_a_cell(tmp_path):
    notebook = ('[notebook]\nnumber = "10"\npoints_per_block = 1\nvisibility = "visible"\n'
                'tags = ["notebook"]\ntimeout = {t}\nbudget = {b}\n')
    assert load(tmp_path, rubric_text(notebook=notebook.format(t=20, b=60))).worst_case() == 86
    with pytest.raises(rubric_file.RubricError, match="more than its budget"):
        load(tmp_path, rubric_text(notebook=notebook.format(t=90, b=60)))
    with pytest.raises(rubric_file.RubricError, match="add up to"):
        load(tmp_path, rubric_text(notebook=notebook.format(t=20, b=600)))


@pytest.mark.parametrize("deadline", ["reserve = 600", "reserve = -1",
                                      "gradescope_timeout = 60\nreserve = 60"])
def test_a_reserve_that_leaves_no_deadline_is_refused(tmp_path, deadline):
    with pytest.raises(rubric_file.RubricError, match="reserve"):
        load(tmp_path, rubric_text(f"[deadline]\n{deadline}"))


def test_the_budget_gives_an_item_its_timeout_or_what_is_left():
    budget = Budget(10, start=time.monotonic() - 7)
    assert 0 < budget.allows(8) <= 3
    assert budget.allows(1) == 1
    assert Budget(5, start=time.monotonic() - 9).allows(8) == 0


def hanging_submission(tmp_path, module="layers", cls="Dense") -> Path:
    """The solution with a `cls`.forward that never returns."""
    sub = copy_code(SOLUTION, tmp_path / "sub")
    with open(sub / "Beras" / f"{module}.py", "a") as f:
        f.write("\n\ndef _forward(self, inputs):\n    while True:\n        pass\n\n\n"
                f"{cls}.forward = _forward\n")
    return sub


def with_deadline(monkeypatch, seconds, timeout=None):
    load = rubric_file.load

    def short(*args, **kwargs):
        r = load(*args, **kwargs)
        items = r.items if timeout is None else \
            [dataclasses.replace(i, timeout=timeout) for i in r.items]
        return dataclasses.replace(r, items=items, deadline=seconds)
    monkeypatch.setattr(rubric_file, "load", short)


def test_items_past_the_deadline_are_not_run_and_the_others_keep_their_scores(
        tmp_path, monkeypatch):
    with_deadline(monkeypatch, 20, timeout=120)
    outcome = grade_run.grade(hanging_submission(tmp_path, "activations", "Softmax"),
                              examples=5, only=["dense.forward", "softmax.forward", "sigmoid.*"])
    by_id = {r.item.id: r for r in outcome.results}
    assert by_id["dense.forward"].score == 2  # it ran first, and finished
    # softmax.forward hangs: cut by the deadline (20 s, before its own 120 s), it was not
    # run, and nor was anything after it
    for item_id in ("softmax.forward", "sigmoid.forward", "sigmoid.gradients"):
        assert by_id[item_id].score == 0 and by_id[item_id].summary == "not run"
        assert "Not run: the grade's time budget ran out" in by_id[item_id].output
    assert not outcome.cut


def test_a_hang_costs_one_timeout_and_names_where_it_first_hung(tmp_path, monkeypatch):
    with_deadline(monkeypatch, 300, timeout=6)
    outcome = grade_run.grade(hanging_submission(tmp_path), examples=5,
                              only=["dense.forward", "dense.gradients", "dense.reference",
                                    "tape.*", "model.sequential", "softmax.forward"])
    by_id = {r.item.id: r for r in outcome.results}
    assert "did not finish within 6 s" in by_id["dense.forward"].output
    assert "It was stopped in Dense.forward." in by_id["dense.forward"].output
    for item_id in ("dense.gradients", "dense.reference", "tape.gradients",
                    "model.sequential"):
        assert by_id[item_id].score == 0, item_id
        assert ("Dense.forward did not return within 6 s in item 1.1"
                in by_id[item_id].output), by_id[item_id].output
    assert by_id["softmax.forward"].score == by_id["softmax.forward"].item.points


def test_the_watchdog_writes_what_finished_when_a_lane_is_stuck(tmp_path, monkeypatch):
    """A lane that does not come back (here: a grader bug that blocks forever) is left
    behind at the deadline: the grade returns, with the items that finished."""
    with_deadline(monkeypatch, 30)
    monkeypatch.setattr(grade_run, "WATCHDOG_GRACE", 0.5)
    release = threading.Event()
    real = grade_run.run_item

    def stuck_on_initializers(item, *args, **kwargs):
        if item.id == "dense.initializers":
            release.wait(60)
        return real(item, *args, **kwargs)
    monkeypatch.setattr(grade_run, "run_item", stuck_on_initializers)
    try:
        start = time.monotonic()
        outcome = grade_run.grade(SOLUTION, examples=5,
                                  only=["dense.forward", "dense.initializers"])
        assert time.monotonic() - start < 55  # not the 60 s the lane is stuck for
        assert outcome.cut
        by_id = {r.item.id: r for r in outcome.results}
        assert by_id["dense.forward"].score == 2
        assert by_id["dense.initializers"].summary == "not run"
    finally:
        release.set()


def test_a_cut_grade_still_writes_a_valid_results_json(tmp_path):
    """The CLI path of a cut: results.json is written before the process ends."""
    import subprocess
    import sys
    driver = tmp_path / "driver.py"
    driver.write_text(f'''
import dataclasses, sys, threading
sys.path.insert(0, {str(KIT)!r})
from autograder import rubric
from autograder.grade import run
load = rubric.load
rubric.load = lambda *a, **k: dataclasses.replace(load(*a, **k), deadline=20)
run.WATCHDOG_GRACE = 0.5
real = run.run_item
def stuck(item, *args, **kwargs):
    if item.id == "dense.initializers":
        threading.Event().wait()
    return real(item, *args, **kwargs)
run.run_item = stuck
from autograder.__main__ import main
sys.exit(main())
''')
    results = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(driver), "grade", str(SOLUTION), "--results",
                           str(results), "--items", "dense.forward", "dense.initializers"],
                          cwd=KIT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    tests = {t["number"]: t for t in json.loads(results.read_text())["tests"]}
    assert tests["1.1"]["score"] == 2 and tests["1.3"]["score"] == 0
    assert "time budget ran out" in tests["1.3"]["output"]

