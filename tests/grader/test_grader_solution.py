"""The reference solution earns every point, every time, and each rubric item has a check."""
import pytest

from grader_helpers import FAST, RUBRIC, SOLUTION, grade, untimed


def test_every_rubric_item_has_a_registered_check():
    from autograder.checks import load_all

    registry = load_all(include_hidden=True)
    assert sorted(i.id for i in RUBRIC.items if i.id not in registry) == []


def test_solution_gets_full_marks_on_every_item_but_training(solution_fast):
    assert solution_fast.code == 0, solution_fast.stderr
    tests = solution_fast.results["tests"]
    assert len(tests) == len(FAST)
    assert [t["name"] for t in tests if t["score"] != t["max_score"]] == []
    assert solution_fast.results["score"] == sum(t["max_score"] for t in tests)
    assert "grader error" not in solution_fast.stdout


def test_two_grades_of_the_solution_are_identical(solution_fast, tmp_path):
    again = grade(SOLUTION, tmp_path / "results.json", FAST)
    first, second = untimed(solution_fast.results), untimed(again.results)
    assert [t["number"] for t, u in zip(first["tests"], second["tests"]) if t != u] == []
    assert first == second


@pytest.mark.slow
def test_full_grade_of_the_solution_with_training(tmp_path):
    """Everything, MNIST training and the notebook included: the one slow test (~60 s)."""
    graded = grade(SOLUTION, tmp_path / "results.json", timeout=900)
    assert graded.code == 0, graded.stderr
    training = [i for i in RUBRIC.items if "training" in i.tags]
    for item in training:
        test = graded.by_number()[item.number]
        assert test["score"] == test["max_score"], test["output"]
        assert "Test accuracy 0.9" in test["output"]
    # notebook blocks are the notebook's own tests' business (tests/notebook)
    rubric_numbers = {i.number for i in RUBRIC.items}
    assert graded.lost() & rubric_numbers == set()
