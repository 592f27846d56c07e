"""Notebook blocks are earned by values, not by printed text: the cheat corpus (cheats/).

Each cheat is a submission that fools the text comparison (`make check` passes its blocks:
the test proves the cheat is real) and earns nothing for them in the full grade, where
the values each cell computed, with the notebook's inputs and with hidden ones, must equal
the reference's. A cheat file holds `# base: stencil|solution` and sections opened by
`# target: <file>`, each appended to that file of a fresh copy of the base's code (as in
tests/hostile); the submission also holds the notebook the student was given.
"""
import re
import shutil
from pathlib import Path

import pytest

from autograder import paths
from autograder.grade.run import grade
from notebook_helpers import ROOT
from submissions import copy_code

CHEATS = Path(__file__).with_name("cheats")
ALL = "every block worth points"
# cheat -> the blocks whose text it fools, each of which must earn nothing in the full grade
FOOLS = {
    "print_expected_text": ALL,
    "hard_coded_answers": ALL,
    "lying_str": {"Dense: Forward Pass", "Dense: Gradients", "LeakyReLU and ReLU", "Sigmoid",
                  "MeanSquaredError"},
}


def build(cheat: str, dest: Path) -> Path:
    text = (CHEATS / f"{cheat}.py").read_text()
    base = re.search(r"^# base: (\w+)$", text, re.M).group(1)
    sub = copy_code(ROOT / base, dest / cheat)
    shutil.copyfile(paths.NOTEBOOK, sub / paths.NOTEBOOK_NAME)
    for target, code in re.findall(r"^# target: (\S+)\n(.*?)(?=^# target: |\Z)", text,
                                   re.M | re.S):
        with open(sub / target, "a") as f:
            f.write("\n\n" + code)
    return sub


def notebook_scores(submission: Path, public_only: bool) -> dict:
    """{block title: (score, max score, output)} of a grade of the notebook items only."""
    result = grade(submission, public_only=public_only, only=("notebook.*",))
    return {r.item.name.removeprefix("notebook: "): (r.score, r.item.points, r.output)
            for r in result.results}


def test_every_cheat_is_a_case():
    assert {p.stem for p in CHEATS.glob("*.py")} == set(FOOLS)


@pytest.mark.parametrize("cheat", sorted(FOOLS))
def test_a_cheat_fools_the_text_and_earns_nothing_for_it(cheat, tmp_path):
    sub = build(cheat, tmp_path)
    text = notebook_scores(sub, public_only=True)
    fools = {t for t, (_, top, _) in text.items() if top > 0} if FOOLS[cheat] == ALL \
        else FOOLS[cheat]
    assert len(fools) >= 4
    not_fooled = {t: out for t, (score, top, out) in text.items() if t in fools and score < top}
    assert not not_fooled, f"the cheat no longer fools the text: {not_fooled}"
    full = notebook_scores(sub, public_only=False)
    paid = {t: out for t, (score, top, out) in full.items() if t in fools and score > 0}
    assert not paid, f"blocks paid for printed text: {paid}"
    for title in fools:  # said why, in words a student can act on
        assert full[title][2].strip(), title
    if FOOLS[cheat] != ALL:  # what the submission computes honestly keeps its points
        honest = {t: out for t, (score, top, out) in full.items()
                  if t not in fools and text[t][0] == top and score < top}
        assert not honest, honest
