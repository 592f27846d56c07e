"""Dependencies: what grading needs (requirements.txt, on Gradescope and in the handout) and
what the kit's own tests add (requirements-dev.txt), both locked with hashes from their .in files
by `uv pip compile --universal`: one lock for every Python the kit supports, 3.10 to 3.13,
where a package that dropped 3.10 has two entries, each with its marker."""
import ast
import importlib.metadata
import re
import sys

import build_release
from conftest import ROOT

LOCK_ENTRY = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;]+)(?: ;([^\\\n]*))?"
                        r"((?:\s*\\\n\s*--hash=sha256:[0-9a-f]{64})+)", re.MULTILINE)
TEST_ONLY = {"pytest", "nbconvert", "jinja2", "mistune", "bleach", "beautifulsoup4",
             "pluggy", "iniconfig"}
# Modules the grader imports from the submission's folder, not from a distribution.
SUBMISSION_MODULES = {"Beras", "assignment", "preprocess"}
# The class report (grade-all, a TA's verb in the kit's own venv) imports these lazily.
TA_TOOLS = ("regrade",)


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def lock(name):
    """{distribution: {version: hashes}} of a lock file; every entry must carry hashes."""
    text = (ROOT / name).read_text()
    entries, count = {}, 0
    for m in LOCK_ENTRY.finditer(text):
        hashes = frozenset(re.findall(r"sha256:[0-9a-f]{64}", m[4]))
        entries.setdefault(norm(m[1]), {})[m[2]] = hashes
        count += 1
    requirements = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(requirements) == count, f"{name}: a requirement without a hash"
    return entries


def direct(name):
    """{distribution: {versions}} of an .in file's exact pins (one per Python marker)."""
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].split(";")[0].strip()
        if line and not line.startswith("-"):
            dist, _, version = line.partition("==")
            assert version, f"{name}: {line!r} is not pinned exactly"
            pins.setdefault(norm(dist), set()).add(version.strip())
    return pins


def test_grading_lock_holds_no_test_only_package():
    grading = lock("requirements.txt")
    assert not TEST_ONLY & set(grading)
    assert {"pytest", "nbconvert"} <= set(lock("requirements-dev.txt"))


def test_the_dev_lock_pins_grading_exactly_as_the_grading_lock():
    grading, dev = lock("requirements.txt"), lock("requirements-dev.txt")
    assert {name: dev.get(name) for name in grading} == grading


def test_locks_pin_what_their_in_files_ask_for():
    for source, locked in (("requirements.in", "requirements.txt"),
                           ("requirements-dev.in", "requirements-dev.txt")):
        entries = lock(locked)
        assert {d: set(entries[d]) for d in direct(source)} == direct(source)


def test_python_3_10_has_its_own_pins():
    """numpy 2.4 needs 3.11: the lock also holds the last numpy for Gradescope's 3.10."""
    assert set(lock("requirements.txt")["numpy"]) == {"2.4.6", "2.2.6"}
    assert "tomli" in lock("requirements.txt")


def test_every_module_the_grader_imports_is_in_the_grading_lock():
    imported = set()
    for path in (ROOT / "autograder").rglob("*.py"):
        if path.relative_to(ROOT / "autograder").parts[0] in TA_TOOLS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - SUBMISSION_MODULES - {"autograder"}
    owners = importlib.metadata.packages_distributions()
    grading = lock("requirements.txt")
    missing = {m for m in third_party if not {norm(d) for d in owners.get(m, [m])} & set(grading)}
    assert "numpy" in third_party and "jsonschema" in third_party
    assert not missing


def test_the_handout_ships_the_grading_lock_only():
    handout = build_release.student_files()
    assert handout["requirements.txt"][0] == (ROOT / "requirements.txt").read_bytes()
    assert not any("requirements-dev" in rel for rel in handout)
    assert "requirements-dev.txt" not in build_release.gradescope_files()


def test_the_grader_imports_nothing_outside_the_grading_lock():
    """Gradescope and the handout have only requirements.txt: `python -m autograder` must
    start without the class report's or the tests' packages (they are imported lazily)."""
    import subprocess

    outside = sorted(TEST_ONLY | {"copydetect", "markupsafe", "matplotlib"})
    probe = ("import sys, autograder.__main__, autograder.grade.run, autograder.checks; "
             "autograder.checks.load_all(include_hidden=True); "
             f"print(sorted(set({outside!r}) & {{m.split('.')[0] for m in sys.modules}}))")
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert run.stdout.strip() == "[]"
