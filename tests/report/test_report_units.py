"""The class report's parts on made-up kept results (no grading): escaping, limits, the
accuracy bars read from the rubric, and the similarity of student-written code."""
import dataclasses
import os
import re
import shutil

from submissions import KIT, SOLUTION, copy_code

from autograder import rubric as rubric_file
from autograder.checks.training import said
from autograder.regrade import report, similarity
from autograder.regrade.runner import Outcome
from autograder.regrade.submissions import Submission
from autograder.results import gradescope

RUBRIC = rubric_file.load()
NOTHING = similarity.Similarity([], [], 0.0, 0.0, 0, 3, [])


def entry(item, passed=True, output="", seconds=0.1, score=None):
    return {"score": item.points if passed else (score or 0.0), "max_score": item.points,
            "status": "passed" if passed else "failed", "name": item.name,
            "number": item.number, "output": output, "visibility": item.visibility,
            "extra_data": {"seconds": seconds}}


def graded(name, tests):
    return Outcome(name, "graded", 1.0, {"score": sum(t["score"] for t in tests),
                                          "output": "", "tests": tests})


def item(item_id, rubric=RUBRIC):
    return next(i for i in rubric.items if i.id == item_id)


def test_hostile_and_non_utf8_names_stay_text():
    names = ['<script>alert("x")</script>', "a' onmouseover='alert(1)", os.fsdecode(b"caf\xe9")]
    outcomes = [graded(n, [entry(item("dense.forward"), False, "Diagnosis: <b>sign</b>")])
                for n in names]
    page = report.render([], outcomes, RUBRIC, NOTHING)
    page.encode("utf-8")  # a surrogate from a non-UTF-8 name would not encode
    assert "<script>alert" not in page and "<b>sign</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "a&#39; onmouseover=&#39;alert(1)" in page
    assert 'href="caf%E9/results.json"' in page and "caf\ufffd" in page
    assert "&lt;b&gt;sign&lt;/b&gt;" in page


def test_deadlines_and_limits_are_listed_with_why():
    dense = item("dense.forward")
    outcomes = [
        Outcome("slow", "timed out", 900.0, gradescope.error_json(
            "Grading was stopped after 900 s.")),
        graded("loops", [entry(dense, False, f"Checked: x\nYour code did not finish within "
                                             "20 s (an infinite loop, or far too slow)")]),
        graded("hog", [entry(dense, False, "your code raised MemoryError: cannot allocate")]),
        graded("crash", [entry(dense, False, "Checked: x\nyour code's process killed by signal "
                                             "SIGKILL. Nothing after that could be checked")]),
        graded("fine", [entry(dense)]),
    ]
    ungraded, limits = report.problems(outcomes)
    assert ungraded == [("slow", "timed out", "Grading was stopped after 900 s.")]
    assert [(name, kind) for name, _, kind, _ in limits] == [
        ("loops", "deadline"), ("hog", "memory"), ("crash", "process died")]
    page = report.render([], outcomes, RUBRIC, NOTHING)
    assert "stopped after 900 s" in page and "did not finish within" in page


def test_accuracy_bars_come_from_the_rubric():
    simple = item("train.simple")
    moved = dataclasses.replace(simple, params={"bar": 0.9, "floor": 0.6})
    rubric = dataclasses.replace(RUBRIC, items=[moved if i is simple else i
                                                for i in RUBRIC.items])
    outcomes = [graded(f"s{i}", [entry(moved, acc >= 0.9, f"Checked: x\n"
                                                          f"{said(acc, 10, 100, 0.9, 0.6)}")])
                for i, acc in enumerate([0.95, 0.91, 0.87, 0.7])]
    page = report.render([], outcomes, rubric, NOTHING)
    svg = page.split('id="accuracy-train.simple"')[1].split("</svg>")[0]
    assert "bar 0.9 (full marks)" in svg and "floor 0.6" in svg and "bar 0.85" not in svg
    assert "4 trained, 2 reached the course bar 0.9" in page
    assert sum(int(n) for n in re.findall(r'data-count="(\d+)"', svg)) == 4


def test_items_sort_hardest_first():
    a, b, c = item("dense.forward"), item("mse.forward"), item("softmax.forward")
    outcomes = [graded("x", [entry(a), entry(b, False), entry(c, False)]),
                graded("y", [entry(a), entry(b, False), entry(c)])]
    assert [r.number for r in report.items(outcomes)] == [b.number, c.number, a.number]


def test_renamed_code_normalizes_the_same():
    code = "def f(x, y):\n    # why\n    return x.w @ y + len('s')\n"
    renamed = "def g(alpha, beta):\n    return alpha.w @ beta + len(\"t\")  # other\n"
    assert similarity.normalized(code)[0] == similarity.normalized(renamed)[0] == \
        "defF(V,V):returnV.V@V+len(S)"
    text, _ = similarity.normalized("x = '''never closed\n")  # copydetect's own filter
    assert text.startswith("V")


def test_the_stencil_has_no_student_code():
    stencil = {rel: similarity.parts(text) for rel, text in similarity.code_files(
        similarity.read_py(similarity.STENCIL)).items()}
    files = similarity.code_files(similarity.read_py(KIT / "stencil"))
    assert similarity.document(files, stencil) == ""
    solution = similarity.document(similarity.code_files(similarity.read_py(SOLUTION)), stencil)
    assert "# ==== Beras/layers.py: Dense.forward ====" in solution
    assert "# ==== Beras/core.py: Diffable.__call__" not in solution  # given by the stencil


def test_a_copy_outranks_independent_work(tmp_path):
    """Five students on the solution: two hand in the same extra code (renamed), three
    their own; the solution's code, in all five, is common and ignored."""
    own = ["def mine(q):\n    return sorted(q, key=abs)[::-1][:3]\n",
           "def norm(m):\n    return (m ** 2).sum(axis=1) ** 0.5 / max(1, len(m))\n",
           "def clipped(a, lo, hi):\n    return [min(max(x, lo), hi) for x in a if x]\n"]
    copied = ["def helper(values):\n    total = 0\n    for v in values:\n"
              "        total += v * 3 % 7\n    return total - 5 * len(values)\n",
              "def aid(items):\n    s = 0\n    for it in items:\n"
              "        s += it * 3 % 7\n    return s - 5 * len(items)\n"]
    subs = []
    for name, extra in zip("abcde", copied + own):
        code = copy_code(SOLUTION, tmp_path / name)
        with open(code / "Beras" / "layers.py", "a") as f:
            f.write("\n\n" + extra)
        subs.append(Submission(name, code))
    shutil.copytree(KIT / "stencil", tmp_path / "untouched")
    subs.append(Submission("untouched", tmp_path / "untouched"))
    found = similarity.analyse(subs)
    assert found.skipped == [("untouched", "no student-written code (the stencil as given)")]
    assert found.pair_count == 10 and found.common_cutoff == 3
    assert (found.pairs[0].a, found.pairs[0].b) == ("a", "b")
    assert found.pairs[0].score == 1.0 and found.median < 0.1
    assert all(p.score < 0.5 for p in found.pairs[1:])
    matched = "".join(text for text, hit in found.pairs[0].regions_b if hit)
    assert "s += it * 3 % 7" in matched
