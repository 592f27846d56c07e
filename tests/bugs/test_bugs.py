"""The bug corpus (cases.toml): each realistic student mistake, patched into a copy of the
solution, costs exactly the rubric items listed for it, and every other graded item keeps
full marks. The grader runs as a TA runs it: `python -m autograder grade` in a subprocess.
"""
import os
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from autograder.compat import tomllib

import pytest
import results_json

KIT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(KIT))

from autograder import paths, rubric as rubric_file  # noqa: E402
from autograder.grade.notebook_items import block_titles  # noqa: E402
from submissions import SOLUTION, STENCIL, copy_code  # noqa: E402

EXAMPLES = 15  # hypothesis examples per property: enough to catch every case, and fast
GRADE_TIMEOUT = 600
JOBS = int(os.environ.get("BUGS_JOBS", min(2, os.cpu_count() or 1)))  # grades at a time

DATA = tomllib.loads((Path(__file__).with_name("cases.toml")).read_text())
CASES = {case["name"]: case for case in DATA["case"]}
ISSUES = DATA.get("grader_issues", {})
FULL = DATA["full_grade"]
RUBRIC = rubric_file.load()
BASES = {"solution": SOLUTION, "stencil": STENCIL}


def item_ids(patterns) -> set:
    return {i.id for i in RUBRIC.matching(patterns).items}


def patterns_for(case) -> list:
    """What the case grades: its `runs` (or the items tagged with its module), plus `loses`."""
    runs = case.get("runs") or sorted(i.id for i in RUBRIC.items if case["module"] in i.tags)
    return [*runs, *case["loses"]]


def item_id(test, notebook_number) -> str:
    """The rubric id of a results.json entry (results.json names items by number)."""
    by_number = {i.number: i.id for i in RUBRIC.items}
    number = test["number"]
    if number in by_number:
        return by_number[number]
    assert number.startswith(f"{notebook_number}."), f"unknown item number {number}"
    return f"notebook.{number.split('.', 1)[1]}"


def patched_submission(case, root: Path) -> Path:
    """A copy of the case's base tree (the solution, or the stencil) under root/<name>, with
    the case's edits applied."""
    dest = copy_code(BASES[case.get("base", "solution")], root / case["name"])
    for file, find, replace, count in edits(case):
        target = dest / file
        text = target.read_text()
        assert text.count(find) == count, (
            f"{case['name']}: {find!r} occurs {text.count(find)} times in "
            f"{case.get('base', 'solution')}/{file} (it must occur {count}): update cases.toml")
        target.write_text(text.replace(find, replace))
    return dest


def edits(case) -> list:
    """[(file, find, replace, count)]: a case's `file`, `find` and `replace` (one string
    each, or equal-length lists of `find` and `replace`), or its [[case.edit]] tables."""
    if "edit" in case:
        return [(e["file"], e["find"], e["replace"], e.get("count", 1)) for e in case["edit"]]
    finds, replaces = case["find"], case["replace"]
    if isinstance(finds, str):
        finds, replaces = [finds], [replaces]
    assert len(finds) == len(replaces), f"{case['name']}: find and replace differ in length"
    return [(case["file"], find, replace, 1) for find, replace in zip(finds, replaces)]


def grade(name: str, patterns: tuple, root: Path) -> dict:
    """{item id: (score, max_score, output)} from grading the patched case on `patterns`."""
    submission = patched_submission(CASES[name], Path(tempfile.mkdtemp(dir=root)))
    results = submission / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(submission), "--results",
         str(results), "--examples", str(EXAMPLES), "--items", *patterns],
        cwd=KIT, capture_output=True, text=True, timeout=GRADE_TIMEOUT)
    assert proc.returncode == 0, f"the grader failed:\n{proc.stderr[-3000:]}"
    tests = results_json.read(results)["tests"]
    nb_number = RUBRIC.notebook.get("number", "10")
    return {item_id(t, nb_number): (t["score"], t["max_score"], t["output"]) for t in tests}


class Grades:
    """Grades run JOBS at a time in the background, each once, in the order asked for."""

    def __init__(self, root: Path):
        self.root, self.pool, self.futures = root, ThreadPoolExecutor(JOBS), {}
        self.lock = threading.Lock()

    def start(self, name: str, patterns: tuple):
        with self.lock:
            if (name, patterns) not in self.futures:
                self.futures[name, patterns] = self.pool.submit(grade, name, patterns, self.root)
            return self.futures[name, patterns]

    def get(self, name: str, patterns: tuple) -> dict:
        return self.start(name, patterns).result()


def targeted(name) -> tuple:
    return tuple(patterns_for(CASES[name]))


def full() -> tuple:
    """Every item except training, and the notebook's."""
    return tuple(sorted(i.id for i in RUBRIC.items if "training" not in i.tags)) + ("notebook.*",)


@pytest.fixture(scope="session")
def grades(request, tmp_path_factory):
    """Starts every selected grade at once (the full grade first: it is the longest)."""
    grades = Grades(tmp_path_factory.mktemp("bugs"))
    mine = [item for item in request.session.items if item.module.__name__ == __name__]
    if any(item.name.startswith("test_full_grade") for item in mine):
        grades.start(FULL["case"], full())
    for item in mine:
        name = getattr(item, "callspec", None) and item.callspec.params.get("name")
        if name:
            grades.start(name, targeted(name))
    yield grades
    grades.pool.shutdown(cancel_futures=True)


def explain(outcome, ids) -> str:
    return "\n\n".join(f"--- {i}: {outcome[i][0]}/{outcome[i][1]}\n{outcome[i][2]}"
                       for i in sorted(ids) if i in outcome)


def failing(outcome) -> set:
    return {i for i, (score, top, _) in outcome.items() if score < top}


def problems(case, outcome) -> list:
    """Where the grader's outcome disagrees with the case's `loses` and `diagnosis`."""
    lost, expected = failing(outcome), set(case["loses"])
    found = []
    if lost != expected:
        found.append(f"should lose but kept full marks: {sorted(expected - lost)}\n"
                     f"lost but should keep full marks: {sorted(lost - expected)}\n"
                     + explain(outcome, lost ^ expected))
    for item, text in case.get("diagnosis", {}).items():
        if item in outcome and text.lower() not in outcome[item][2].lower():
            found.append(f"{item}'s feedback should name the mistake ({text!r}):\n"
                         + outcome[item][2])
    return found


def judge(case, outcome, extra_losses=()):
    """Pass when the grader agrees with the case; xfail (strictly) a known disagreement."""
    case = {**case, "loses": [*case["loses"], *extra_losses],
            "grader_loses": [*case.get("grader_loses", case["loses"]), *extra_losses]}
    found = problems(case, outcome)
    header = f"{case['name']} ({case['mistake']})\n"
    issues = case.get("xfail", [])
    if not issues:
        assert not found, header + "\n".join(found)
        return
    assert found, header + f"the grader now agrees: remove xfail {issues} and grader_loses"
    assert failing(outcome) == set(case["grader_loses"]), (
        header + "the grader's outcome changed from grader_loses:\n" + "\n".join(found))
    pytest.xfail("known grader issues (cases.toml [grader_issues]): " + ", ".join(issues))


def test_cases_are_well_formed():
    """Every case names real items, a real file and its module; the data cannot rot."""
    known = {i.id for i in RUBRIC.items}
    tags = {t for i in RUBRIC.items for t in i.tags}
    assert len(CASES) == len(DATA["case"]), "two cases share a name"
    assert FULL["case"] in CASES
    assert set(FULL.get("notebook_loses", [])) <= set(block_titles(paths.NOTEBOOK))
    for case in CASES.values():
        assert case.get("base", "solution") in BASES, case["name"]
        assert all((BASES[case.get("base", "solution")] / file).is_file()
                   for file, *_ in edits(case)), case["name"]
        assert case["module"] in tags, f"{case['name']}: module is not a rubric tag"
        assert all(find != replace for _, find, replace, _ in edits(case)), case["name"]
        assert set(case["loses"]) <= known, f"{case['name']}: unknown item in loses"
        assert set(case.get("grader_loses", [])) <= known, case["name"]
        assert "grader_loses" not in case or "xfail" in case, case["name"]
        assert set(case.get("xfail", [])) <= set(ISSUES), f"{case['name']}: unknown xfail"
        for pattern in case.get("runs", []):
            assert item_ids([pattern]), f"{case['name']}: {pattern!r} matches no item"
        assert set(case.get("diagnosis", {})) <= set(case["loses"]), case["name"]
        graded = RUBRIC.matching(patterns_for(case)).items
        assert not [i.id for i in graded if "training" in i.tags], \
            f"{case['name']}: training items are too slow to run per case"


def test_every_find_occurs_once(tmp_path):
    """Each patch still applies to the solution as it is now."""
    for case in CASES.values():
        patched_submission(case, tmp_path)


@pytest.mark.parametrize("name", list(CASES))
def test_bug_loses_exactly_its_items(name, grades):
    outcome = grades.get(name, targeted(name))
    assert set(outcome) == item_ids(targeted(name)), "the grader ran other items than asked"
    judge(CASES[name], outcome)


def test_full_grade_agrees_with_targeted_run(grades):
    """One case graded on every item but training: the same items lose, nothing else does."""
    name = FULL["case"]
    everything, some = grades.get(name, full()), grades.get(name, targeted(name))
    assert set(some) <= set(everything)
    disagree = {i for i in some if (i in failing(everything)) != (i in failing(some))}
    assert not disagree, "targeted and full grades disagree:\n" + explain(everything, disagree)
    titles = block_titles(paths.NOTEBOOK)
    judge(CASES[name], everything, [f"notebook.{titles.index(t) + 1}"
                                    for t in FULL.get("notebook_loses", [])])
