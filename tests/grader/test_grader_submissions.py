"""Submissions as students hand them in: the stencil, a missing class, other layouts, no
Beras at all, extra layers of their own."""
import re

from grader_helpers import FAST, RUBRIC, SOLUTION, STENCIL, grade, numbers, untimed
from submissions import copy_code


def test_untouched_stencil_scores_zero_on_every_rubric_item(tmp_path):
    graded = grade(STENCIL, tmp_path / "results.json", timeout=900)
    assert graded.code == 0, graded.stderr
    rubric_numbers = {i.number for i in RUBRIC.items}
    scored = {t["number"]: t["score"] for t in graded.results["tests"]
              if t["number"] in rubric_numbers}
    assert set(scored) == rubric_numbers
    assert {n: s for n, s in scored.items() if s != 0} == {}
    assert graded.results["score"] == 0
    assert "grader error" not in graded.stdout


def without_sigmoid(code):
    """Delete the Sigmoid class, and the name from assignment.py's imports (its use in the
    advanced model only runs in training, which these grades skip)."""
    activations, assignment = code / "Beras" / "activations.py", code / "assignment.py"
    text = re.sub(r"\nclass Sigmoid\(.*?(?=\nclass |\Z)", "\n", activations.read_text(),
                  flags=re.S)
    assert "Sigmoid" not in text
    activations.write_text(text)
    assignment.write_text(re.sub(
        r"(?m)^(from Beras\.activations import )(.*)$",
        lambda m: m[1] + ", ".join(n for n in m[2].split(", ") if n != "Sigmoid"),
        assignment.read_text()))


def test_a_submission_without_sigmoid_loses_exactly_the_sigmoid_items(tmp_path):
    code = copy_code(SOLUTION, tmp_path / "submission")
    without_sigmoid(code)
    graded = grade(code, tmp_path / "results.json", FAST)
    assert graded.code == 0, graded.stderr
    assert graded.lost() == numbers({i.id for i in RUBRIC.items if i.id.startswith("sigmoid.")})
    outputs = [t["output"] for t in graded.results["tests"] if t["score"] == 0]
    assert all("missing class" in output for output in outputs)


def test_hw2_code_layout_grades_like_the_root_layout(solution_fast, tmp_path):
    repo = tmp_path / "repo"
    copy_code(SOLUTION, repo / "hw2" / "code")
    (repo / "README.md").write_text("my homework\n")
    graded = grade(repo, tmp_path / "results.json", FAST)
    assert graded.code == 0, graded.stderr
    assert untimed(graded.results)["tests"] == untimed(solution_fast.results)["tests"]


def test_no_beras_package_still_writes_a_valid_results_json(tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "assignment.py").write_text("print('hello')\n")
    results = tmp_path / "results.json"
    graded = grade(submission, results)  # Graded validates results.json against the schema
    assert graded.code != 0
    assert graded.results["score"] == 0 and graded.results["tests"] == []
    assert "no Beras package" in graded.results["output"]


EXTRA_LAYERS = '''

class Tanh(Diffable):
    """A student's own layer, with the right gradient."""

    def forward(self, inputs):
        self.outputs = np.tanh(inputs)
        return self.outputs

    def input_gradients(self):
        return 1 - self.outputs**2

    def compose_to_input(self, J):
        return self.input_gradients() * J


class WrongTanh(Tanh):
    def input_gradients(self):
        return 1 - self.outputs


class Scaled(Diffable):
    """Needs an argument: it cannot be checked, and says so."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, inputs):
        return self.factor * inputs

    def input_gradients(self):
        return self.factor
'''


def test_extra_diffables_are_gradient_checked_and_reported_ungraded(tmp_path):
    code = copy_code(SOLUTION, tmp_path / "submission")
    with open(code / "Beras" / "activations.py", "a") as f:
        f.write(EXTRA_LAYERS)
    graded = grade(code, tmp_path / "results.json", ["sigmoid.forward"])
    assert graded.code == 0, graded.stderr
    assert {t["number"] for t in graded.results["tests"]} == numbers({"sigmoid.forward"})
    for text in (graded.stdout, graded.results["output"]):
        assert "Beras.activations.Tanh: ok" in text
        assert "Beras.activations.WrongTanh: FAIL, wrong ∂s/∂x" in text
        assert "Beras.activations.Scaled: skipped" in text
    assert graded.results["score"] == graded.results["tests"][0]["max_score"]


def test_the_top_level_output_students_see_never_shows_a_hidden_item(tmp_path):
    code = copy_code(SOLUTION, tmp_path / "submission")
    losses = code / "Beras" / "losses.py"
    text = losses.read_text()
    assert text.count("2 * (self.y_pred - self.y_true) / n") == 1
    losses.write_text(text.replace("2 * (self.y_pred - self.y_true) / n",
                                   "2 * (self.y_pred - self.y_true)"))  # the /n is missing
    graded = grade(code, tmp_path / "results.json", ("mse.*",))
    assert graded.code == 0, graded.stderr
    tests = {t["number"]: t for t in graded.results["tests"]}
    hidden = [t for t in tests.values() if t["visibility"] != "visible"]
    assert hidden and all(t["status"] == "failed" for t in hidden)  # the bug shows there too
    shown = graded.results["output"]
    for t in hidden:
        assert t["name"] not in shown and f"  {t['number']} " not in shown
        assert t["output"].splitlines()[0] not in shown
    visible_failure = next(t for t in tests.values()
                           if t["visibility"] == "visible" and t["status"] == "failed")
    assert visible_failure["name"] in shown
    visible_total = sum(t["max_score"] for t in tests.values() if t["visibility"] == "visible")
    assert f"/{visible_total:g}. Hidden items are graded on Gradescope." in shown
