"""The process manager: start a confined guest, run graded items in its forked children,
and kill what is left.

Every item gets a fresh child (`Guest.item()`), a wall-clock deadline and a CPU limit.
A crash, a hang, `sys.exit` or garbage on the channel costs only that item: the child
(or, if need be, the whole worker) is killed and the next item starts a new one.
The notebook's kernel is confined the same way, by the prefix `kernel_launcher` gives.
"""
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..protocol.errors import AlreadyHung, GuestLost, ItemTimeout, OutOfMemory, StudentError
from ..protocol.operations import END, EXIT, FORK, HUNG, READY, STUCK
from ..protocol.wire import FrameReader, WireError, write_frame
from .capacity import OOM_KILLED_AT
from .capture import CappedCapture
from .policy import Confinement
from .requests import Operations

KIT_PACKAGE = Path(__file__).resolve().parent.parent
GUEST_PACKAGES = ("guest", "protocol")  # all of the kit that the sandbox receives
BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from autograder.guest.{} import main; main()"
STOP_GRACE = 5.0  # seconds a worker gets to kill its own processes before SIGKILL
STUCK_GRACE = 1.0  # seconds past an item's deadline to wait for the child's "stuck" note
PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # set per machine, see env notes
ONE_THREAD = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                               "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")}


# glibc reserves 64 MB of address space per thread's arena: RLIMIT_AS would count them all
FEW_ARENAS = {"MALLOC_ARENA_MAX": "2"}


def fresh_env(home: Path) -> dict:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", **ONE_THREAD,
           # glibc would hand big temporaries back to the OS after every step; keeping
           # them halves the training time of typical submissions (benchmarks/README.md)
           "MALLOC_TRIM_THRESHOLD_": str(256 << 20), **FEW_ARENAS}
    env.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
    return env


def kernel_launcher(sandbox: Path, confinement: Confinement, cpu_seconds: int,
                    hung=()) -> list:
    """The command prefix that starts the notebook's kernel confined like a worker.

    guest/kernel.py (from the sandbox) confines itself, then execs the kernel command
    that follows the prefix. The sandbox must hold the guest (install_guest). hung: the
    spots where earlier items hung (host/hangs.py), to fail at once in the kernel too.
    """
    limits = {**confinement.limits, "RLIMIT_CPU": cpu_seconds}
    config = {**confinement.config(sandbox, limits=limits), "hung": list(hung)}
    return [sys.executable, "-I", "-c", BOOT.format("kernel"), str(sandbox), json.dumps(config)]


def install_guest(sandbox: Path):
    """Copy the guest and protocol packages where the worker user can read them (and
    nothing else of ours), as sandbox/autograder/{guest,protocol}."""
    root = Path(sandbox) / "autograder"
    if root.exists():
        return
    root.mkdir()
    (root / "__init__.py").write_text("")
    for name in GUEST_PACKAGES:
        shutil.copytree(KIT_PACKAGE / name, root / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for path in [Path(sandbox), root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


class ChildEnded(GuestLost):
    """The item's child is gone (the zygote said so on the control channel)."""


class Guest:
    """One zygote process for one submission's code folder.

    Three pipes: requests to the guest, replies from the item's child (data), and the
    zygote's hello/ready/exit events (control), which no item child holds. A frame on
    the data channel is only ever a reply to the request just sent.
    """

    def __init__(self, code_dir: Path, sandbox: Path, confinement: Confinement | None = None,
                 python: str = sys.executable):
        self.code_dir, self.sandbox = Path(code_dir), Path(sandbox)
        self.confinement = confinement or Confinement()
        self.python = python
        self.proc = None
        self.confinement_report = {}

    def start(self, seconds: float = 30):
        """Start the zygote; GuestLost if it has not said hello within `seconds`."""
        install_guest(self.sandbox)
        req_r, self._req_w = os.pipe()
        self._rep_r, rep_w = os.pipe()
        self._ctl_r, ctl_w = os.pipe()
        out_r, out_w = os.pipe()
        config = self.confinement.config(self.sandbox, in_fd=req_r, out_fd=rep_w, ctl_fd=ctl_w,
                                         code_dir=str(self.code_dir))
        self.proc = subprocess.Popen(
            [self.python, "-I", "-c", BOOT.format("zygote"), str(self.sandbox),
             json.dumps(config)],
            pass_fds=(req_r, rep_w, ctl_w), stdin=subprocess.DEVNULL, stdout=out_w,
            stderr=out_w, env=fresh_env(self.sandbox), cwd=str(self.code_dir),
            start_new_session=True)
        for fd in (req_r, rep_w, ctl_w, out_w):
            os.close(fd)
        self.output = CappedCapture(out_r)
        self._deadline = None
        self._replies = FrameReader(self._rep_r, wait=self._wait_for_reply)
        self._control = FrameReader(self._ctl_r, wait=self._wait_for_event)
        try:
            hello = self.event(time.monotonic() + seconds)
        except GuestLost:
            self.close()
            raise
        self.confinement_report = hello.get("confinement", {})

    @property
    def pid_namespace(self) -> bool:
        return bool(self.confinement_report.get("pid_namespace"))

    def _wait(self, fds):
        remaining = self._deadline - time.monotonic()
        ready = select.select(fds, [], [], remaining)[0] if remaining > 0 else []
        if not ready:
            raise ItemTimeout("timed out")
        return ready

    def _wait_for_event(self):
        self._wait([self._ctl_r])

    def _wait_for_reply(self):
        """Block until the reply pipe is readable: ItemTimeout at the deadline, ChildEnded
        when only the control pipe is (the child is gone: whatever it wrote is read)."""
        if self._rep_r not in self._wait([self._rep_r, self._ctl_r]):
            raise self.lost(self.event(self._deadline))

    def _frame(self, reader, deadline):
        self._deadline = deadline
        try:
            message = reader.read()
        except EOFError as e:
            raise GuestLost(f"the worker process ended ({self._exit_note()})") from e
        except WireError as e:
            raise GuestLost(f"the worker broke the protocol: {e}") from e
        if not isinstance(message, dict):
            raise GuestLost("the worker broke the protocol: a frame that is not a message")
        return message

    def event(self, deadline) -> dict:
        """The zygote's next control event (hello, ready, exit)."""
        return self._frame(self._control, deadline)

    def reply(self, deadline) -> dict:
        """The item child's reply to the request just sent: {"value"} or {"error"}."""
        message = self._frame(self._replies, deadline)
        if set(message) not in ({"value"}, {"error"}) and \
                not (set(message) == {"event", "spot"} and message["event"] == STUCK):
            raise GuestLost("the worker broke the protocol: a reply that is not a value "
                            "or an error")
        return message

    def replies_pending(self) -> bool:
        return bool(select.select([self._rep_r], [], [], 0)[0])

    def _exit_note(self):
        code = self.proc.poll() if self.proc else None
        return "still running" if code is None else f"exit code {code}"

    def send(self, message):
        try:
            write_frame(self._req_w, message)
        except (BrokenPipeError, OSError) as e:
            raise GuestLost(f"the worker process is gone: {e}") from e

    def lost(self, exit_event: dict) -> GuestLost:
        """Why an item's child ended before its item did, from the zygote's exit report: a
        SIGKILL that nobody here sent, near the child's memory share, is the OOM killer's."""
        reason, limit = exit_event.get("reason"), self.confinement.memory
        max_rss = exit_event.get("max_rss")
        if limit and "SIGKILL" in str(reason) and isinstance(max_rss, int) and \
                max_rss >= OOM_KILLED_AT * limit:
            return OutOfMemory(limit >> 20, "so the process was killed")
        return ChildEnded(f"your code's process {reason}")

    def item(self, timeout: float, cpu_seconds: int | None = None, hangs=None) -> "Item":
        """hangs: the lane's host.hangs.Hangs: where earlier items hung (the child fails
        there at once) and where this one hangs, if it does."""
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self.start(min(30.0, timeout))
        return Item(self, timeout, cpu_seconds or int(timeout) + 5, hangs)

    def _children(self) -> list:
        """The children of the process we started, as the kernel lists them (an item child
        leads its own process group). Read from /proc, never from a frame."""
        try:
            pids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in pids.split()]

    def close(self):
        """Stop the worker and every process it started, then close the pipes.

        SIGTERM first: the parent outside the PID namespace kills its init, and the kernel
        the rest of the namespace; without a namespace the zygote kills its item and every
        orphan. If that has not happened in STOP_GRACE s: SIGKILL to the process groups we
        know ourselves: the zygote's (we made it) and its children's (the kernel's list).
        """
        if self.proc is None:
            return
        try:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            for pid in self._children():  # unreaped: their pids cannot be reused yet
                try:
                    if os.getpgid(pid) == pid:
                        os.killpg(pid, signal.SIGKILL)
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        for fd in (self._req_w, self._rep_r, self._ctl_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.output.thread.join(timeout=2)
        self.proc = None


class Item(Operations):
    """A child of the worker that serves one graded item's requests.

    `stuck`: where the child said it was stuck just before the deadline (a spot, see
    guest/hangs.py), if it did: the child's own word, which can only make later calls of
    that spot fail at once.
    """

    def __init__(self, guest: Guest, timeout: float, cpu_seconds: int, hangs=None):
        self.guest = guest
        self.deadline = time.monotonic() + timeout
        self.cpu_seconds = cpu_seconds
        self.hangs = hangs
        self.child = None
        self.stuck = None
        self.output = ""

    def __enter__(self):
        try:
            try:
                self._fork()
            except ItemTimeout:
                raise
            except GuestLost:
                # What an earlier item left on the channel is not this item's fault: restart once.
                self.guest.close()
                self.guest.start(max(1.0, min(30.0, self.deadline - time.monotonic())))
                self._fork()
        except GuestLost:
            self.guest.close()  # a child may still be starting: the next item starts afresh
            raise
        return self

    def _reply(self, deadline) -> dict:
        """The child's reply to the request just sent, {"value"} or {"error"}; a "stuck"
        note before it is kept in self.stuck."""
        while True:
            message = self.guest.reply(deadline)
            if message.get("event") != STUCK:
                return message
            self.stuck = message.get("spot")

    def _late_stuck_note(self):
        """A busy machine may delay the child's note past the deadline: wait a little."""
        if self.stuck is None:
            try:
                self._reply(time.monotonic() + STUCK_GRACE)
            except GuestLost:
                pass

    def _fork(self):
        w = self.guest
        w.output.take()
        w.send({"op": FORK, "cpu_seconds": self.cpu_seconds,
                "seconds": max(0.0, self.deadline - time.monotonic()),
                "hung": self.hangs.for_fork() if self.hangs is not None else []})
        ready = w.event(self.deadline)
        if ready.get("event") != READY:
            raise GuestLost(f"your code's process {ready.get('reason', 'did not start')}")
        self.child = True

    def __exit__(self, *exc):
        if self.child is not None:
            try:
                self.guest.send({"op": END})
                if self.guest.event(time.monotonic() + 5).get("event") != EXIT:
                    raise GuestLost("an event out of turn")
                if self.guest.replies_pending():  # the child is gone: this is all it wrote
                    raise GuestLost("a frame after the end of the item")
            except GuestLost:
                self.guest.close()
        self.output = self.guest.output.take()
        return False

    def request(self, op, **fields):
        """One operation in the child; its value, or StudentError / GuestLost."""
        try:
            self.guest.send({"op": op, **fields})
            reply = self._reply(self.deadline)
        except ItemTimeout:
            self._late_stuck_note()
            self.child = None
            self.guest.close()
            raise
        except GuestLost:
            # The channel may hold half a frame, or the child died halfway through reading
            # the request: the whole worker goes, the next item restarts it.
            self.child = None
            self.guest.close()
            raise
        if "error" in reply:
            e = reply["error"] if isinstance(reply["error"], dict) else {}
            kind = str(e.get("type", "Error"))
            if kind == "builtins.MemoryError" and self.guest.confinement.memory:
                # its address-space limit: the item's verdict, whichever check was asking
                raise OutOfMemory(self.guest.confinement.memory >> 20,
                                  f"MemoryError: {e.get('message', '')}".rstrip(": "))
            if kind.rpartition(".")[2] == HUNG and self.hangs is not None:
                known = self.hangs.describe(_number(e.get("message")))
                if known is not None:
                    raise AlreadyHung(known)
            raise StudentError(kind, e.get("message", ""), e.get("trace", ""))
        return reply["value"]


def _number(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
