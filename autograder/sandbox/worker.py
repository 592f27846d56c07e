"""Start a confined worker, run graded items in its forked children, and kill what is left.

Every item gets a fresh child (`Worker.item()`), a wall-clock deadline and a CPU limit.
A crash, a hang, `sys.exit` or garbage on the channel costs only that item: the child
(or, if need be, the whole worker) is killed and the next item starts a new one.
"""
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..worker.wire import FrameReader, WireError, write_frame
from .capture import CappedCapture
from .operations import Operations

WORKER_PACKAGE = Path(__file__).resolve().parent.parent / "worker"
BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from worker.zygote import main; main()"
PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # set per machine, see env notes
ONE_THREAD = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                               "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")}


class StudentError(Exception):
    """The student's code raised; `trace` holds only the student's own frames."""

    def __init__(self, kind, message, trace=""):
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind, self.message, self.trace = kind, message, trace


class WorkerLost(Exception):
    """The item's process died, hung, or broke the protocol."""


class ItemTimeout(WorkerLost):
    pass


@dataclass
class Confinement:
    """How the worker is confined. uid/gid: a dedicated user when the grader is root."""
    uid: int | None = None
    gid: int | None = None
    no_network: bool = True
    limits: dict = field(default_factory=dict)


def fresh_env(home: Path) -> dict:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", **ONE_THREAD}
    env.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
    return env


def install_worker_package(sandbox: Path):
    """Copy the worker's code where the worker user can read it (and nothing else of ours)."""
    target = Path(sandbox) / "worker"
    if not target.exists():
        shutil.copytree(WORKER_PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
        for path in [Path(sandbox), target, *target.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


class _DeadlineReader:
    """read_exact over a pipe that gives up at a deadline."""

    def __init__(self, fd):
        self.fd, self.deadline = fd, None

    def __call__(self, n):
        chunks, got = [], 0
        while got < n:
            remaining = None if self.deadline is None else self.deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise ItemTimeout("timed out")
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                raise ItemTimeout("timed out")
            chunk = os.read(self.fd, min(n - got, 1 << 20))
            if not chunk:
                raise EOFError("worker closed the channel")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)


class Worker:
    """One zygote process for one submission's code folder."""

    def __init__(self, code_dir: Path, sandbox: Path, confinement: Confinement | None = None,
                 python: str = sys.executable):
        self.code_dir, self.sandbox = Path(code_dir), Path(sandbox)
        self.confinement = confinement or Confinement()
        self.python = python
        self.proc = None
        self.confinement_report = {}

    def start(self):
        install_worker_package(self.sandbox)
        req_r, self._req_w = os.pipe()
        self._rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        c = self.confinement
        config = {"in_fd": req_r, "out_fd": rep_w, "code_dir": str(self.code_dir),
                  "uid": c.uid, "gid": c.gid, "no_network": c.no_network, "limits": c.limits}
        self.proc = subprocess.Popen(
            [self.python, "-I", "-c", BOOT, str(self.sandbox), json.dumps(config)],
            pass_fds=(req_r, rep_w), stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w,
            env=fresh_env(self.sandbox), cwd=str(self.code_dir), start_new_session=True)
        for fd in (req_r, rep_w, out_w):
            os.close(fd)
        self.output = CappedCapture(out_r)
        self._deadline = _DeadlineReader(self._rep_r)
        self._reader = FrameReader(self._rep_r, read_exact=self._deadline)
        hello = self._read(time.monotonic() + 30)
        self.confinement_report = hello.get("confinement", {})

    def _read(self, deadline):
        self._deadline.deadline = deadline
        try:
            return self._reader.read()
        except EOFError as e:
            raise WorkerLost(f"the worker process ended ({self._exit_note()})") from e
        except WireError as e:
            raise WorkerLost(f"the worker broke the protocol: {e}") from e

    def _exit_note(self):
        code = self.proc.poll() if self.proc else None
        return "still running" if code is None else f"exit code {code}"

    def send(self, message):
        try:
            write_frame(self._req_w, message)
        except (BrokenPipeError, OSError) as e:
            raise WorkerLost(f"the worker process is gone: {e}") from e

    def item(self, timeout: float, cpu_seconds: int | None = None) -> "Item":
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self.start()
        return Item(self, timeout, cpu_seconds or int(timeout) + 5)

    def close(self):
        """Kill the worker's process group, its last child's group, and close the pipes."""
        if self.proc is None:
            return
        for pgid in (self.proc.pid, getattr(self, "last_child", None)):
            if pgid:
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self.proc.wait()
        for fd in (self._req_w, self._rep_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.output.thread.join(timeout=2)
        self.proc = None


class Item(Operations):
    """A child of the worker that serves one graded item's requests."""

    def __init__(self, worker: Worker, timeout: float, cpu_seconds: int):
        self.worker = worker
        self.deadline = time.monotonic() + timeout
        self.cpu_seconds = cpu_seconds
        self.child = None
        self.output = ""

    def __enter__(self):
        self.worker.output.take()
        self.worker.send({"op": "fork", "cpu_seconds": self.cpu_seconds})
        ready = self.worker._read(self.deadline)
        self.child = self.worker.last_child = ready.get("pid")
        return self

    def __exit__(self, *exc):
        if self.child is not None:
            try:
                self.worker.send({"op": "end"})
                self.worker._read(time.monotonic() + 5)
            except WorkerLost:
                self.worker.close()
        self.output = self.worker.output.take()
        return False

    def request(self, op, **fields):
        """One operation in the child; its value, or StudentError / WorkerLost."""
        try:
            self.worker.send({"op": op, **fields})
            reply = self.worker._read(self.deadline)
        except WorkerLost:
            # The channel may hold half a frame: the whole worker goes, the next item restarts it.
            self.child = None
            self.worker.close()
            raise
        if reply.get("event") == "exit":
            self.child = None
            raise WorkerLost(f"your code's process {reply.get('reason')}")
        if "error" in reply:
            e = reply["error"]
            raise StudentError(e.get("type", "Error"), e.get("message", ""), e.get("trace", ""))
        return reply.get("value")

