"""The hostile corpus: each case is the solution plus one hostile overlay (overlays/).

Every case is graded twice with the grader's own CLI: as root (the worker drops to a
beras-worker-N of its own, in its own namespaces) and as an ordinary user (a student's
`make check`: the same code, with the limits and whatever namespaces the kernel grants a user). Each
time the grade must end within its budget with a valid results.json, leave no process
behind, ignore every results.json the submission planted, and score no item above the
submission's honest score: the items its hostile code breaks get 0 (with a message that
says why), the others full marks, or, for a case that hides a real bug, exactly what
the bug alone scores (its honest twin). Hostile uploads (a 3 GB file, a zip member name
that is not UTF-8) are refused with a message that names the file, and score nothing.
"""
import contextlib
import ctypes
import functools
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hostile_helpers import (KIT, PYTHON, STUDENT, Mode, build, ensure_student, grade, number,
                             secret_lines, workdir)
from submissions import SOLUTION, copy_code, zip_code

FORGED = "FORGED"  # in every results.json a hostile case writes
PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Case:
    items: tuple
    lost: dict = field(default_factory=dict)  # item id -> text its output must contain
    cap: float | None = None  # timeout cap (s) for every item, for the cases that hang
    twin: bool = False  # the honest score is the overlay's honest part's score


CASES = {
    "os_exit_at_import": Case(
        ("dense.forward", "dense.initializers", "softmax.forward"),
        {"dense.forward": "exited with code 3", "dense.initializers": "exited with code 3"}),
    "sys_exit_in_batch_step": Case(
        ("model.sequential", "dense.forward"), {"model.sequential": "SystemExit"}),
    # a hang in a module many items use: it costs the first one its timeout, the others
    # stop at once and say where it first hung
    "infinite_loop_forward": Case(
        ("dense.forward", "dense.gradients", "tape.gradients", "model.sequential",
         "softmax.forward"),
        {"dense.forward": "did not finish within 3 s",
         **{i: "Dense.forward did not return within 3 s in item 1.1"
            for i in ("dense.gradients", "tape.gradients", "model.sequential")}},
        cap=3),
    "sleep_every_call": Case(
        ("dense.forward", "optimizers.basic", "softmax.forward"),
        {"dense.forward": "did not finish within 2 s",
         **{i: "did not return within 2 s in item 1.1"
            for i in ("optimizers.basic", "softmax.forward")}}, cap=2),
    "diverge_to_nan": Case(("train.simple", "dense.forward"),
                           {"train.simple": "training diverged"}),
    "endless_epochs": Case(("train.simple", "dense.forward"),
                           {"train.simple": "allow 6000 steps"}),
    # it loses dense.forward to the memory limit, or to the time that filling gigabytes
    # takes where the limit is high: the score is what is pinned, not the words
    "memory_growth": Case(("dense.forward", "softmax.forward"), {"dense.forward": ""}),
    "alloc_40gb": Case(("dense.forward", "softmax.forward"), {"dense.forward": "MemoryError"}),
    "print_300mb": Case(("dense.forward", "dense.initializers")),
    "keyboard_interrupt": Case(
        ("dense.forward", "softmax.forward"), {"dense.forward": "KeyboardInterrupt"}),
    "allclose_true": Case(
        ("dense.forward", "dense.gradients", "dense.reference"), {"dense.forward": ""},
        twin=True),
    "forged_results": Case(("dense.forward", "dense.initializers")),
    "walk_secrets": Case(
        ("dense.forward", "dense.reference", "notebook.5"),
        {"dense.forward": "RuntimeError", "dense.reference": "RuntimeError", "notebook.5": ""}),
    "detached_rewriter": Case(("dense.forward", "notebook.1")),
    "liar_subclass": Case(("dense.forward", "dense.reference"), {"dense.forward": ""}, twin=True),
    "tamper_kit": Case(("dense.forward", "dense.reference"), {"dense.forward": ""}, twin=True),
    "import_frameworks": Case(
        ("dense.forward", "model.sequential", "softmax.forward"),
        {"dense.forward": "TensorFlow, PyTorch", "model.sequential": "TensorFlow, PyTorch"}),
    "channel_garbage": Case(
        ("dense.forward", "dense.initializers", "softmax.forward"),
        {"dense.forward": "broke the protocol"}),
    "channel_stall": Case(
        ("dense.forward", "dense.initializers"), {"dense.forward": "did not finish within 3 s"},
        cap=3),
    "kill_everything": Case(("dense.forward", "softmax.forward")),
    "patch_guest_procedures": Case(
        ("optimizers.in_place", "leaky_relu.forward", "model.evaluate", "model.sequential",
         "optimizers.basic", "onehot.fit"), twin=True),
    "forge_control_frames": Case(
        ("dense.forward", "dense.initializers", "softmax.forward"),
        {"dense.forward": "broke the protocol"}),
}
OVERLAY_FILES = {p.stem for p in (Path(__file__).parent / "overlays").glob("*.py")}
MODES = ([Mode("root"), Mode("user", STUDENT)] if os.geteuid() == 0 else [Mode("user")])


def budget(case: Case) -> float:
    """Seconds a grade of the case may take: the design's minute, or its capped timeouts."""
    return 60.0 if case.cap is None else len(case.items) * (case.cap + 2) + 20


@pytest.fixture(scope="module", autouse=True)
def subreaper():
    """Orphans of the grader's process tree come to this process, where we can see them."""
    libc = ctypes.CDLL(None)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if os.geteuid() == 0:
        ensure_student()
    yield
    libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


@functools.cache
def can_make_pid_namespace(mode: Mode) -> bool:
    """kill(-1) from a worker without a PID namespace would reach every process of its user."""
    flags = 0x20000000 | (0x10000000 if mode.user or os.geteuid() else 0)
    probe = [*mode.prefix(), str(PYTHON), "-c",
             f"import ctypes, sys; sys.exit(ctypes.CDLL(None).unshare({flags}) != 0)"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def graded(case_name: str, mode: Mode, honest_only=False):
    """Grade the case (or its honest twin) as `mode`; the submission plants results.json."""
    work = workdir()
    sub = build(case_name, work, honest_only)
    for folder in (sub, sub / "Beras"):
        (folder / "results.json").write_text('{"score": 1000, "output": "FORGED-PLANTED"}')
    with PREPARE.get(case_name, lambda _: contextlib.nullcontext({}))(sub) as prepared:
        mode.own(work)
        case = CASES[case_name]
        out = grade(mode, sub, case.items, case.cap, spare=prepared.get("spare", ()))
        out.prepared = prepared
    return out, work


@contextlib.contextmanager
def victim(sub: Path):
    """A process in its own group, named in the submission (Beras/victim.pid) for the
    forged frames: the grader must never kill it."""
    proc = subprocess.Popen(["sleep", "300"], start_new_session=True)
    (sub / "Beras" / "victim.pid").write_text(str(proc.pid))
    state = {"spare": (proc.pid,)}
    try:
        yield state
    finally:
        state["victim_alive"] = proc.poll() is None  # once the grade is over
        proc.kill()
        proc.wait()


PREPARE = {"forge_control_frames": victim}


@functools.cache
def honest_scores(case_name: str, mode: Mode) -> dict:
    outcome, work = graded(case_name, mode, honest_only=True)
    shutil.rmtree(work, ignore_errors=True)
    assert outcome.returncode == 0, outcome.stderr[-3000:]
    return outcome.scores()


def test_every_overlay_is_a_case():
    assert OVERLAY_FILES == set(CASES)
    assert len(CASES) >= 14


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
@pytest.mark.parametrize("case_name", sorted(CASES))
def test_hostile_case(case_name, mode):
    case = CASES[case_name]
    if case_name == "kill_everything" and not can_make_pid_namespace(mode):
        pytest.skip("no PID namespace here: kill(-1) would reach every process of the user")
    kit_before = kit_files()
    out, work = graded(case_name, mode)
    try:
        assert out.returncode == 0, out.stderr[-3000:]
        assert not out.leftovers, f"processes outlived the grade: {out.leftovers}"
        assert out.seconds < budget(case), f"took {out.seconds:.1f} s"
        assert sorted(t["number"] for t in out.results["tests"]) == sorted(map(number, case.items))
        assert FORGED not in out.results_text and FORGED not in out.report
        honest = honest_scores(case_name, mode) if case.twin else None
        for item in case.items:
            test = out.test(item)
            if honest is not None:
                assert test["score"] == honest[test["number"]], (item, test["output"][-2000:])
            if item in case.lost:
                assert test["score"] == 0, (item, test["output"][-2000:])
                assert case.lost[item].lower() in test["output"].lower(), test["output"][-2000:]
            elif honest is None:
                assert test["score"] == test["max_score"], (item, test["output"][-2000:])
        assert out.results["score"] == pytest.approx(sum(out.scores().values()))
        assert_kit_untouched(kit_before)
        EXTRA.get(case_name, lambda *_: None)(out, work, mode)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        remove_forged_files(mode)


def huge_file_in_folder(work: Path) -> Path:
    """A folder upload with one 3 GB file (sparse: nothing is written) beside the code."""
    sub = copy_code(SOLUTION, work / "huge_file_in_folder")
    with open(sub / "Beras" / "weights.npy", "wb") as f:
        f.truncate(3 << 30)
    return sub


def zip_name_not_utf8(work: Path) -> Path:
    """A zip with one member flagged UTF-8 (0x800) whose name is not UTF-8."""
    return zip_code(SOLUTION, work / "zip_name_not_utf8.zip",
                    {b"Beras/notes-\xff\xfe.py": "x = 1\n"})


UPLOADS = {huge_file_in_folder: '"Beras/weights.npy" is 3.0 GB',
           zip_name_not_utf8: '"Beras/notes-\\xff\\xfe.py"'}


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
@pytest.mark.parametrize("upload", UPLOADS, ids=lambda f: f.__name__)
def test_hostile_upload(upload, mode):
    """Refused before anything is copied, with one message that names the file: no score,
    nothing left behind, a valid results.json."""
    work = workdir()
    try:
        sub = upload(work)
        mode.own(work)
        out = grade(mode, sub, ("dense.forward",))
        assert out.returncode == 2, out.stderr[-3000:]
        assert not out.leftovers, f"processes outlived the grade: {out.leftovers}"
        assert out.seconds < 60, f"took {out.seconds:.1f} s"
        assert out.results["score"] == 0 and out.results["tests"] == []
        assert "could not be graded" in out.results["output"]
        assert UPLOADS[upload] in out.results["output"], out.results["output"]
        assert "autograder failed" not in out.results["output"]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def kit_files() -> set:
    """The kit's files a hostile case goes after (others may add files meanwhile)."""
    files = [*(KIT / "solution").rglob("*"), *(KIT / "autograder").rglob("*.py"),
             KIT / "autograder" / "rubric.toml"]
    return {p for p in files if p.is_file() and "__pycache__" not in p.parts}


def assert_kit_untouched(before: set):
    after = kit_files()
    assert before <= after, f"deleted: {sorted(map(str, before - after))[:5]}"
    marked = [str(p) for p in after if "TAMPERED" in p.read_text(errors="replace")]
    assert not marked, marked[:5]


def remove_forged_files(mode: Mode):
    """Clean up what an ordinary user's worker may write outside the grade: temp files."""
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        for name in ("results.json", "forged-by-submission.json"):
            path = Path(folder) / name
            try:
                if path.stat().st_uid == (mode.uid() or os.geteuid()) and \
                        FORGED in path.read_text():
                    path.unlink()
            except OSError:
                pass


def check_output_capped(out, work, mode):
    assert len(out.results_text) < 200_000 and len(out.report) < 200_000


def check_no_forged_file_outside(out, work, mode):
    """The root worker cannot write the results folder (nor, with its private /tmp, the
    machine's temp folders). An ordinary user's worker can write wherever that user can,
    and its results.json is replaced all the same."""
    if mode.user is None and os.geteuid() == 0:
        for folder in (work, Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")):
            assert not (folder / "forged-by-submission.json").exists(), folder


def check_no_secret_leaked(out, work, mode):
    """As root, the worker cannot see the kit (but its venv and data), so neither a path
    in it nor a line of the reference or the hidden checks can reach results.json or the
    report. As the ordinary user it reads what that user can: a student's own machine."""
    if mode.user is not None or os.geteuid() != 0:
        return
    assert "RuntimeError: found " in out.results_text  # the walk ran, and reported
    for text in (out.results_text, out.report):
        assert not [ln for ln in secret_lines() if ln in text]
        assert not re.search(re.escape(str(KIT)) + r"/(?!data/|\.venv/)", text)


def check_results_stay(out, work, mode):
    """The daemon would rewrite results.json 1 s after its import, for 30 s: wait and see."""
    time.sleep(3)
    assert (work / "results.json").read_text() == out.results_text


def check_victim_alive(out, work, mode):
    assert out.prepared["victim_alive"], "the grader killed the pid a forged frame named"


EXTRA = {"forge_control_frames": check_victim_alive, "print_300mb": check_output_capped, "forged_results": check_no_forged_file_outside,
         "walk_secrets": check_no_secret_leaked, "detached_rewriter": check_results_stay}
