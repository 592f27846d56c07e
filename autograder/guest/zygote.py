"""The worker process: confine itself, then fork one child per graded item.

The grader sends {"op": "fork", "cpu_seconds": n, "seconds": s, "hung": [...]}; a child
watches for its own hang at s seconds, poisons the code that hung in earlier items
(hangs.py), then serves requests until {"op": "end"}. When the child is gone (done, crashed or killed), the zygote kills every
process the item left behind, then reports {"event": "exit"}. Student modules are
imported inside the children only, so a crash at import costs only the item that
triggered it.

Two channels go back to the grader: the children's replies (data), and the zygote's own
hello/ready/exit events (control). A child closes the control pipe right after fork, and
the zygote is not dumpable, so no student code can reach that pipe through
/proc/<zygote>/fd either: whatever a child writes is at most a bad reply to its own item.
"""
import json
import os
import resource
import signal
import sys
import threading

from . import confine, forbidden, hangs
from .session import Session
from ..protocol.operations import END, EXIT, FORK, HELLO, QUIT, READY
from ..protocol.wire import FrameReader, WireError, write_frame

PR_SET_DUMPABLE = 4
_child = None  # the item's child while it runs (for SIGTERM)


def exit_reason(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"killed by signal {signal.Signals(sig).name}"
    return f"exited with code {os.WEXITSTATUS(status)}"


def kill_namespace():
    """As init of a PID namespace: kill and reap every other process in it."""
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def kill_orphans():
    """Kill and reap every process that was re-parented to this subreaper."""
    me = str(os.getpid())
    for _ in range(50):
        found = False
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    ppid = f.read().rsplit(")", 1)[1].split()[1]
            except (OSError, IndexError):
                continue
            if ppid == me:
                found = True
                try:
                    os.kill(int(pid), signal.SIGKILL)
                    os.waitpid(int(pid), 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
        if not found:
            return


def kill_leftovers(pid_namespace: bool):
    """Everything an item started, however detached, dies before the next item starts."""
    if _child is not None:
        try:
            os.killpg(_child, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if pid_namespace:
        kill_namespace()
    else:
        kill_orphans()


def serve_child(reader, out_fd, code_dir, cpu_seconds, seconds, hung):
    os.setpgid(0, 0)
    confine.die_with_parent()
    # Stays non-dumpable, as the zygote: its /proc/self files stay root's, so student code
    # cannot lower the oom_score_adj the zygote set (a floor only CAP_SYS_RESOURCE makes).
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    forbidden.install()
    lock = threading.Lock()  # the watcher writes on out_fd too
    if seconds:
        hangs.watch(seconds, code_dir, out_fd, lock)
    if hung:
        hangs.poison(hung, code_dir)
    session = Session(code_dir)
    while True:
        request = reader.read()
        if request.get("op") == END:
            return
        reply = session.handle(request)
        with lock:
            write_frame(out_fd, reply)


def fork_item(reader, out_fd, ctl_fd, code_dir, message, pid_namespace):
    global _child
    try:
        pid = os.fork()
    except OSError as e:
        write_frame(ctl_fd, {"event": EXIT, "reason": f"could not be started ({e})"})
        return
    if pid == 0:
        os.close(ctl_fd)  # first of all: no student code may ever hold the control pipe
        code = 0
        try:
            serve_child(reader, out_fd, code_dir, int(message.get("cpu_seconds", 60)),
                        message.get("seconds"), message.get("hung") or [])
        except BaseException:  # noqa: B036 - a child never returns into the zygote's loop
            code = 70
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:  # noqa: B036
                    pass
            os._exit(code)
    _child = pid
    write_frame(ctl_fd, {"event": READY})
    _, status, usage = os.wait4(pid, 0)
    kill_leftovers(pid_namespace)
    _child = None
    # max_rss: the host tells an out-of-memory kill from any other SIGKILL by it
    write_frame(ctl_fd, {"event": EXIT, "reason": exit_reason(status),
                         "max_rss": usage.ru_maxrss * 1024})


def main():
    config = json.loads(sys.argv[-1])
    applied = confine.apply(config)
    # Not dumpable: a child (same user) cannot open /proc/<zygote>/fd/<control> nor ptrace it.
    confine._prctl(PR_SET_DUMPABLE, 0)
    pid_namespace = applied["pid_namespace"]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # only an item's child takes ^C
    if not pid_namespace:  # else the parent outside the namespace handles SIGTERM
        signal.signal(signal.SIGTERM, lambda *_: (kill_leftovers(False), os._exit(0)))
    in_fd, out_fd, ctl_fd = config["in_fd"], config["out_fd"], config["ctl_fd"]
    code_dir = config["code_dir"]
    os.chdir(code_dir)
    sys.path.insert(0, code_dir)
    sys.dont_write_bytecode = True
    import numpy.random  # noqa: F401 - imported once here, shared by every child

    reader = FrameReader(in_fd)
    write_frame(ctl_fd, {"event": HELLO, "confinement": applied})
    while True:
        try:
            message = reader.read()
        except (EOFError, WireError):
            return
        if message.get("op") == FORK:
            fork_item(reader, out_fd, ctl_fd, code_dir, message, pid_namespace)
        elif message.get("op") == QUIT:
            return
