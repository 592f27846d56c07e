"""autograder/results/schema.json follows Gradescope's specification field by field, and
what the kit writes passes it: the grader's error form and run_autograder's fallback."""
import os
import subprocess

import jsonschema
import pytest
import results_json
from conftest import ROOT

from autograder.results import gradescope

SPEC_EXAMPLE = {  # every field the specification names
    "score": 44.0, "execution_time": 136, "output": "Text relevant to the entire submission",
    "output_format": "simple_format", "test_output_format": "text", "test_name_format": "text",
    "visibility": "after_due_date", "stdout_visibility": "visible", "extra_data": {},
    "tests": [
        {"score": 2.0, "max_score": 2.0, "status": "passed", "name": "Your name here",
         "name_format": "text", "number": "1.1", "output": "Giant multiline string",
         "output_format": "text", "tags": ["tag1", "tag2"], "visibility": "visible",
         "extra_data": {}},
        {"name": "an informational test without a score", "output": "ok"},
    ],
    "leaderboard": [{"name": "Accuracy", "value": .926},
                    {"name": "Time", "value": 15.1, "order": "asc"},
                    {"name": "Stars", "value": "*****"}],
}


def test_every_field_of_the_specification_is_accepted():
    results_json.check(SPEC_EXAMPLE)
    results_json.check({"tests": [{"score": 1.0, "max_score": 1.0}]})  # per-test scores only


@pytest.mark.parametrize("broken", [
    {"exectuion_time": 1},                                            # a typo at the top
    {"tests": [{"score": 1.0, "max_scor": 1.0}]},                     # a typo in a test
    {"visibility": "secret"},
    {"leaderboard": [{"name": "Accuracy", "value": 1, "order": "up"}]},
    {"score": None},
    {"score": "score"},
])
def test_what_the_specification_does_not_allow_is_refused(broken):
    with pytest.raises(jsonschema.ValidationError):
        results_json.check({**SPEC_EXAMPLE, **broken})


def test_a_score_is_needed_at_the_top_or_on_every_test():
    with pytest.raises(jsonschema.ValidationError):
        results_json.check({"output": "no score anywhere"})
    with pytest.raises(jsonschema.ValidationError):
        results_json.check({"tests": [{"score": 1.0}, {"name": "no score"}]})


def test_the_error_form_passes():
    results_json.check(gradescope.error_json("could not grade", 1.5))


def test_run_autograders_fallback_passes(tmp_path):
    # No venv and no source at all: the grader cannot start, the fallback is written.
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    run = subprocess.run(["bash", str(ROOT / "release" / "gradescope" / "run_autograder")],
                         env={**os.environ, "AUTOGRADER_ROOT": str(root)},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0
    results = results_json.read(root / "results" / "results.json")
    assert results["score"] == 0 and results["tests"] == []
    assert results["execution_time"] >= 0
