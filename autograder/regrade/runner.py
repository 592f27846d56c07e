"""Grade one submission in its own `python -m autograder grade` process, whatever it does.

The process gets a wall-clock limit; it, and every process it started in its group, is
killed at the limit. A submission that cannot be graded, or a grader that died, still
leaves a results.json (Gradescope's error form) and a grade.json saying what happened.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .. import fingerprint, paths
from ..results import gradescope

STATUS = {0: "graded", 2: "not gradable"}  # exit codes of `python -m autograder grade`


@dataclass
class Outcome:
    name: str
    status: str  # graded | not gradable | timed out | grader error | up to date
    seconds: float
    results: dict


def read_results(path: Path) -> dict | None:
    try:
        results = json.loads(path.read_text())
        return results if isinstance(results.get("tests"), list) else None
    except (OSError, ValueError, AttributeError):
        return None


_running, _lock = set(), threading.Lock()  # the grade processes now running
_stopped = threading.Event()


def stop_all() -> None:
    """Kill every grade now running, with its process group, and any about to start (a
    regrade interrupted)."""
    with _lock:
        _stopped.set()
        procs = list(_running)
    for proc in procs:
        kill_group(proc)


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def grade_one(sub, kept: Path, args: list, timeout: float, graded_by: dict) -> Outcome:
    """Grade `sub` into kept/results.json (log in kept/log.txt, what happened in grade.json).
    graded_by: the fingerprint of this kit, recorded in an error results.json too, so that
    a submission that timed out is not regraded until the kit changes."""
    kept.mkdir(parents=True, exist_ok=True)
    results = kept / "results.json"
    results.unlink(missing_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="beras-regrade-"))  # its sandbox, removed after
    scratch.chmod(0o755)
    command = [sys.executable, "-m", "autograder", "grade", str(sub.path.resolve()),
               "--results", str(results.resolve()), *args]
    start = time.monotonic()
    try:
        with open(kept / "log.txt", "wb") as log:
            proc = subprocess.Popen(command, cwd=paths.KIT, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    env={**os.environ, "TMPDIR": str(scratch)},
                                    start_new_session=True)
            with _lock:
                _running.add(proc)
                if _stopped.is_set():
                    kill_group(proc)
            try:
                code = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                kill_group(proc)
                code = None
            finally:
                with _lock:
                    _running.discard(proc)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    seconds = time.monotonic() - start
    graded = read_results(results)
    if code is None:
        status, why = "timed out", f"Grading was stopped after {timeout:g} s."
    elif graded is None:
        status, why = "grader error", (f"The grader ended (exit code {code}) without a "
                                       "results.json: see log.txt.")
    else:
        status, why = STATUS.get(code, "grader error"), None
    if why:  # the error path: a results.json that says what happened
        graded = gradescope.error_json(why, seconds, graded_by)
        gradescope.write(graded, results)
    (kept / "grade.json").write_text(json.dumps(
        {"args": args, "status": status, "exit_code": code, "seconds": round(seconds, 2)},
        indent=2) + "\n")
    return Outcome(sub.name, status, seconds, graded)


def stale(kept: Path, now: dict) -> list:
    """What changed since the kept grade was made: e.g. ['rubric', 'grader'], or []."""
    recorded = (read_results(kept / "results.json") or {}).get("extra_data", {})
    return fingerprint.changes(recorded.get("fingerprint") if isinstance(recorded, dict)
                               else None, now)


def kept_outcome(sub, kept: Path) -> Outcome:
    """A grade from an earlier run that is still current."""
    meta = json.loads((kept / "grade.json").read_text())
    return Outcome(sub.name, meta.get("status", "graded"), 0.0,
                   read_results(kept / "results.json") or gradescope.error_json("unreadable"))
