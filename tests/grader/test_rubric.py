"""rubric.toml is validated (rubric.schema.json, then duplicates): a typo is an error that
names the item and the key, never a setting silently ignored."""
import shutil
import subprocess
import sys

import pytest
import results_json

from autograder import rubric
from grader_helpers import KIT

GOOD = '''title = "T"
[defaults]
timeout = 20
[deadline]
gradescope_timeout = 600
reserve = 60
[[item]]
id = "dense.forward"
number = "1.1"
name = "Dense forward"
points = 2
visibility = "visible"
tags = ["Dense"]
timeout = 5
in_check = false
params = { bar = 0.85 }
[[item]]
id = "dense.reference"
number = "1.2"
name = "Dense against the reference"
points = 1
visibility = "after_published"
'''


def load(tmp_path, text):
    path = tmp_path / "rubric.toml"
    path.write_text(text)
    return rubric.load(path)


def test_a_good_rubric_loads_with_every_key(tmp_path):
    r = load(tmp_path, GOOD)
    first = r.items[0]
    assert (first.id, first.number, first.points, first.tags, first.timeout, first.in_check,
            first.params) == ("dense.forward", "1.1", 2.0, ("Dense",), 5.0, False, {"bar": 0.85})
    assert r.items[1].timeout == 20.0 and r.items[1].visibility == "after_published"


def test_the_kits_rubric_is_valid():
    assert len(rubric.load().items) > 20


def test_students_can_see_their_total():
    # Gradescope hides a student's total while any test is `hidden` (see rubric.toml's
    # header): the differential items wait for publication instead.
    items = rubric.load().items
    assert not [i.id for i in items if i.visibility == "hidden"]
    assert {i.visibility for i in items if i.id.endswith(".reference")} == {"after_published"}


@pytest.mark.parametrize("old, new, message", [
    ("in_check = false", "in_chek = false",
     "item dense.forward (1.1): unknown key 'in_chek' (did you mean 'in_check'?)"),
    ("timeout = 5", "timout = 5",
     "item dense.forward (1.1): unknown key 'timout' (did you mean 'timeout'?)"),
    ("[defaults]\ntimeout = 20", "[defaults]\ntimout = 20",
     "[defaults]: unknown key 'timout' (did you mean 'timeout'?)"),
    ('tags = ["Dense"]', 'tags = "Dense"',
     "item dense.forward (1.1): tags = 'Dense': must be a list"),
    ("points = 2", "points = -3", "item dense.forward (1.1): points = -3: must be >= 0"),
    ("points = 2", 'points = "2"', "item dense.forward (1.1): points = '2': must be a number"),
    ('number = "1.1"', "number = 1.1", "item dense.forward (1.1): number = 1.1: must be a string"),
    ("timeout = 5", "timeout = 0", "item dense.forward (1.1): timeout = 0: must be > 0"),
    ("in_check = false", 'in_check = "no"', "in_check = 'no': must be true or false"),
    ('visibility = "visible"', 'visibility = "hiden"',
     "item dense.forward (1.1): visibility = 'hiden': must be one of visible, hidden, "
     "after_due_date, after_published"),
    ('name = "Dense forward"\n', "", "item dense.forward (1.1): missing key 'name'"),
    ("gradescope_timeout = 600", "gradescope_timeout = -1",
     "[deadline]: gradescope_timeout = -1: must be > 0"),
    ("reserve = 60", "reserv = 60", "[deadline]: unknown key 'reserv' (did you mean 'reserve'?)"),
    ('title = "T"', 'title = "T"\ntitel = "U"', "the top level: unknown key 'titel'"),
    ('number = "1.2"', 'number = "1.1"',
     "items #1 (dense.forward, 1.1), #2 (dense.reference, 1.1): duplicate number '1.1'"),
    ('id = "dense.reference"', 'id = "dense.forward"',
     "items #1 (dense.forward, 1.1), #2 (dense.forward, 1.2): duplicate id 'dense.forward'"),
])
def test_a_typo_is_an_error_naming_the_item_and_the_key(tmp_path, old, new, message):
    assert old in GOOD
    with pytest.raises(rubric.RubricError) as caught:
        load(tmp_path, GOOD.replace(old, new, 1))
    assert message in str(caught.value)


def test_every_problem_is_named_at_once(tmp_path):
    text = GOOD.replace("timeout = 5", "timout = 5").replace('tags = ["Dense"]', 'tags = "Dense"')
    with pytest.raises(rubric.RubricError) as caught:
        load(tmp_path, text)
    assert str(caught.value).count("\n") == 2  # the file's name, then one line per problem


def test_grading_with_a_bad_rubric_stops_and_still_writes_results_json(tmp_path):
    # A copy of the grader whose rubric has a typo: `grade` exits 2, says why on stderr,
    # and leaves a results.json that tells students it is not their fault.
    kit = tmp_path / "kit"
    shutil.copytree(KIT / "autograder", kit / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    toml = kit / "autograder" / "rubric.toml"
    toml.write_text(toml.read_text().replace('visibility = "visible"', 'visiblity = "visible"', 1))
    results = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(KIT / "solution"),
                          "--results", str(results)], cwd=kit, capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    assert "unknown key 'visiblity' (did you mean 'visibility'?)" in run.stderr
    assert "not your fault" in results_json.read(results)["output"]
