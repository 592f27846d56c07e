"""Build hostile submissions from overlays, grade them as root or as an ordinary user, and
find any process that outlived the grade.

An overlay (overlays/<case>.py) holds one or more sections, each opened by a line
`# target: <file under solution/>` and appended to that file of a fresh copy of the
solution's code. Code above a `# --- hostile ---` line is the submission's honest
behaviour (a plain bug, say); its honest twin is graded with that part alone.
"""
import functools
import json
import os
import pwd
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from submissions import copy_code
import results_json

KIT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(KIT))
PYTHON = KIT / ".venv" / "bin" / "python"
DRIVER = Path(__file__).with_name("driver.py")
OVERLAYS = Path(__file__).with_name("overlays")
STUDENT = "beras-student"  # the ordinary user the corpus also runs as (root creates it)
WORKER = "beras-worker-"  # the pool of worker users (host/identity.py), one per grade
HOSTILE = "# --- hostile ---"
EXAMPLES = 10
TICKS = os.sysconf("SC_CLK_TCK")


def sections(case: str, honest_only=False, overlays: Path = OVERLAYS) -> dict:
    """{target file: code to append} for a case's overlay."""
    out, target = {}, None
    for line in (overlays / f"{case}.py").read_text().splitlines(keepends=True):
        m = re.match(r"# target: (\S+)", line)
        if m:
            target, hostile = m.group(1), False
            out[target] = ""
        elif line.startswith(HOSTILE):
            hostile = True
        elif target and not (honest_only and hostile):
            out[target] += line
    return out


def build(case: str, dest: Path, honest_only=False, overlays: Path = OVERLAYS) -> Path:
    """A copy of the solution's code under dest/<case>, with the overlay appended."""
    sub = dest / case
    assert not sub.exists()
    copy_code(KIT / "solution", sub)
    for target, code in sections(case, honest_only, overlays).items():
        with open(sub / target, "a") as f:
            f.write("\n\n" + code)
    return sub


@dataclass(frozen=True)
class Mode:
    """Who runs the grader: root (the worker drops to a beras-worker-N) or an ordinary user."""
    name: str
    user: str | None = None  # run the grader as this user (setpriv), else as ourselves

    def prefix(self) -> list:
        if self.user is None:
            return []
        return ["setpriv", f"--reuid={self.user}", f"--regid={self.user}", "--init-groups"]

    def own(self, path: Path):
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            for p in [path, *path.rglob("*")]:
                os.chown(p, entry.pw_uid, entry.pw_gid)

    def uid(self) -> int | None:
        return pwd.getpwnam(self.user).pw_uid if self.user else None


def ensure_student():
    try:
        pwd.getpwnam(STUDENT)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        STUDENT], check=True, capture_output=True)


@dataclass
class Outcome:
    returncode: int
    seconds: float
    report: str
    stderr: str
    results: dict
    results_text: str
    leftovers: list = field(default_factory=list)

    def test(self, item_id: str) -> dict:
        [entry] = [t for t in self.results["tests"] if t["number"] == number(item_id)]
        return entry

    def scores(self) -> dict:
        return {t["number"]: t["score"] for t in self.results["tests"]}


@functools.cache
def _numbers() -> dict:
    from autograder import rubric
    r = rubric.load()
    return {i.id: i.number for i in r.items} | {"notebook": r.notebook["number"]}


def number(item_id: str) -> str:
    if item_id.startswith("notebook."):
        return f"{_numbers()['notebook']}.{item_id.split('.', 1)[1]}"
    return _numbers()[item_id]


def grade_command(mode: Mode, submission: Path, items, cap=None) -> tuple:
    """(command, env) of the grader CLI on `submission`; results.json lands beside it."""
    workdir = submission.parent
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "LANG": "C.UTF-8",
           "HOSTILE_TIMEOUT": str(cap or "")}
    cmd = [*mode.prefix(), str(PYTHON), str(DRIVER), "grade", str(submission), "--results",
           str(workdir / "results.json"), "--examples", str(EXAMPLES), "--items", *items]
    return cmd, env


def grade(mode: Mode, submission: Path, items, cap=None, timeout=300, spare=()) -> Outcome:
    """Run the grader CLI on `submission` as `mode` says; results.json lands beside it."""
    workdir = submission.parent
    results = workdir / "results.json"
    cmd, env = grade_command(mode, submission, items, cap)
    since = uptime_ticks()
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=timeout)
    seconds = time.monotonic() - start
    text = results.read_text() if results.exists() else "{}"
    data = results_json.check(json.loads(text))
    return Outcome(proc.returncode, seconds, proc.stdout, proc.stderr, data, text,
                   leftovers(mode.uid(), since, spare=spare))


def uptime_ticks() -> int:
    return int(float(Path("/proc/uptime").read_text().split()[0]) * TICKS)


def _processes():
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
        yield int(pid), stat[0], int(stat[1]), int(stat[19]), uid


def leftovers(user_uid: int | None, since: int, settle=2.0, spare=()) -> list:
    """Processes that outlived a grade (killed once found), waiting up to `settle` s for
    the kernel to empty the worker's namespaces:
    - any child of ours: we are a subreaper, so whatever the grader's tree orphaned,
      however detached, comes to us;
    - any process of the ordinary user the grader ran as (it runs nothing else);
    - any process of a worker user started since the grade began that was re-parented
      to init (other grades on this machine may have live workers of their own);
    but the `spare` pids, the test's own.
    """
    me, deadline = os.getpid(), time.monotonic() + settle
    worker_uids = worker_users() if os.geteuid() == 0 else set()
    while True:
        found = []
        for pid, state, ppid, start, uid in _processes():
            if ppid == me and state == "Z":
                os.waitpid(pid, os.WNOHANG)
            elif pid in spare:
                continue
            elif state != "Z" and (ppid == me or (uid == user_uid and start >= since) or
                                   (uid in worker_uids and ppid == 1 and start >= since)):
                found.append((pid, uid, _cmdline(pid)))
        if not found or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for pid, _, _ in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return found


def worker_users() -> set:
    return {p.pw_uid for p in pwd.getpwall() if p.pw_name.startswith(WORKER)}


def _cmdline(pid) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return "?"


def workdir() -> Path:
    """A fresh folder for one grade: the submission, results.json, the grader's HOME."""
    path = Path(tempfile.mkdtemp(prefix="beras-hostile-"))
    path.chmod(0o755)
    return path


def secret_lines() -> set:
    """Lines of the reference the handout does not have, and of the hidden checks."""
    def lines(paths):
        return {ln.strip() for p in paths for ln in p.read_text().splitlines()}

    public = lines((KIT / "stencil").rglob("*.py")) | lines(
        p for p in (KIT / "autograder" / "checks").glob("*.py") if p.name != "reference.py")
    hidden = lines((KIT / "solution").rglob("*.py"))
    reference = KIT / "autograder" / "checks" / "reference.py"
    if reference.exists():
        hidden |= lines([reference])
    return {ln for ln in hidden - public if len(ln) >= 25 and not ln.startswith("#")}
