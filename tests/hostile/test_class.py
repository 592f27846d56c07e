"""Grades of a class on one machine (root: each grade has its own user and cgroup, as in
`make grade-all`): no submission can touch another's grade.

- A fork-holder forks until fork() fails and holds every process; a correct submission
  graded while it holds still gets full marks (its notebook kernel included). The test
  starts the correct grade only once the holder is at its limit, and checks it still
  holds when the correct grade is over: no timing is assumed.
- A state planter leaves behind what a worker can (planted.py: a detached process, files
  in every writable place, SysV IPC, a POSIX queue; kernel keys, which it may not make);
  the next submission, graded as the same user, sees none of it. The planter sees all of
  it in its own grade, so the reader's look is known to work.
"""
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

import planted
from hostile_helpers import KIT, PYTHON, Mode, build, grade, grade_command, workdir

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="one user and cgroup per grade needs root")
CLASSES = Path(__file__).with_name("classes")
ROOT = Mode("root")
CORRECT_ITEMS = ("dense.forward", "model.sequential", "notebook.*")
HOLD_FOR = 900  # the holder's item timeout: it holds until the test stops it
WAIT = 300  # seconds the holder may take to reach its limit, on a loaded machine


def submission(case: str, work: Path) -> Path:
    sub = build(case, work, overlays=CLASSES)
    shutil.copyfile(Path(planted.__file__), sub / "Beras" / "planted.py")
    return sub


def named(comm: str) -> list:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            head, tail = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        if head.split("(", 1)[1] == comm and tail.split()[0] != "Z":
            found.append(int(pid))
    return found


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} after {seconds} s"
        time.sleep(0.2)


def test_a_correct_submission_beside_a_fork_holder_gets_full_marks():
    hold_work, work = workdir(), workdir()
    holder_sub = submission("fork_holder", hold_work)
    cmd, env = grade_command(ROOT, holder_sub, ["dense.forward"], cap=HOLD_FOR)
    holder = subprocess.Popen(cmd, env={**env, "HOSTILE_TIMEOUT_EXACT": "1"},
                              cwd=hold_work, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: named("beras-held") or holder.poll() is not None, WAIT,
                 "the fork-holder never reached its limit")
        assert holder.poll() is None, "the holder's grade ended"
        [held] = named("beras-held")
        holders = named("beras-holder")
        assert len(holders) > 10  # it forked until the limit of its own user
        # (not hostile_helpers.grade: its search for leftovers would take the holder's
        # grade, a child of ours, for one)
        cmd, env = grade_command(ROOT, submission("correct", work), CORRECT_ITEMS)
        run = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True,
                             timeout=900)
        assert named("beras-held") == [held], "the holder let go during the correct grade"
        assert len(named("beras-holder")) == len(holders)
        assert run.returncode == 0, run.stderr[-3000:]
        results = json.loads((work / "results.json").read_text())
        notebook = [t for t in results["tests"] if t["number"].startswith("10.")]
        assert notebook, "no notebook block was graded"
        for test in results["tests"]:
            assert test["score"] == test["max_score"], (test["name"], test["output"][-2000:])
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()
        shutil.rmtree(hold_work, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    wait_for(lambda: not named("beras-holder") and not named("beras-held"), 30,
             "the holder's processes outlived its grade")


def uid_of(test: dict) -> int:
    return int(re.search(r"uid (\d+)", test["output"]).group(1))


def test_the_next_submission_sees_nothing_the_planter_left():
    work = workdir()
    try:
        planter = grade(ROOT, submission("state_planter", work), ["dense.forward"])
        assert planter.returncode == 0, planter.stderr[-3000:]
        report = planter.test("dense.forward")["output"]
        told = json.loads(re.search(r"PLANTED (\{.*\})", report).group(1))
        # it planted every kind, and sees each in its own grade; but keys: the worker may
        # not make a key system call at all (guest/confine.py), tests/hostile/test_identity
        # plants them outside the sandbox
        kinds = {"process", "files", "sysv", "mqueue"}
        assert all(told["planted"][k] for k in kinds), told
        assert set(told["sees"]) == kinds and told["planted"]["keys"] == [], told
        reader = grade(ROOT, submission("state_reader", work), ["dense.forward",
                                                                "softmax.forward"])
        assert reader.returncode == 0, reader.stderr[-3000:]
        assert uid_of(reader.test("softmax.forward")) == told["uid"]
        seen = reader.test("dense.forward")
        assert seen["score"] == seen["max_score"], seen["output"][-2000:]
        assert not planter.leftovers and not reader.leftovers
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_grade_all_of_a_class_with_a_fork_holder(tmp_path):
    """The same class through `grade-all --jobs 2`, as a TA runs it: the correct row has
    full marks, the holder's row is its own. Both grades start at once; the fork-holder is
    seen holding while the correct one is still being graded, or the test cannot tell."""
    klass = tmp_path / "class"
    klass.mkdir()
    for case in ("fork_holder", "correct"):
        shutil.move(submission(case, tmp_path), klass / f"{case[0]}_{case}")
    proc = subprocess.Popen([str(PYTHON), "-m", "autograder", "grade-all", str(klass),
                             "--jobs", "2", "--timeout", "900", "--items", *CORRECT_ITEMS],
                            cwd=KIT, stdout=open(tmp_path / "log.txt", "w"),
                            stderr=subprocess.STDOUT)
    correct = klass / "gradebook" / "c_correct" / "results.json"
    overlapped = False
    while proc.poll() is None:
        overlapped = overlapped or bool(named("beras-held") and not correct.exists())
        time.sleep(0.2)
    assert proc.returncode == 0, (tmp_path / "log.txt").read_text()[-3000:]
    with open(klass / "gradebook" / "gradebook.csv", newline="") as f:
        book = {row["submission"]: row for row in csv.DictReader(f)}
    assert set(book) == {"f_fork_holder", "c_correct"}
    assert book["c_correct"]["total"] == book["c_correct"]["out_of"], book["c_correct"]
    assert float(book["f_fork_holder"]["total"]) < float(book["c_correct"]["total"])
    if not overlapped:
        pytest.skip("the holder never held while the correct submission was graded")
