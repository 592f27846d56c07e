"""The worker process: confine itself, then fork one child per graded item.

The grader sends {"op": "fork", "cpu_seconds": n}; a child serves requests until
{"op": "end"}. When the child is gone (done, crashed or killed), the zygote kills its
process group and every orphan that came back to it, then reports {"event": "exit"}.
Student modules are imported inside the children only, so a crash at import costs
only the item that triggered it.
"""
import json
import os
import resource
import signal
import sys

from . import confine
from .session import Session
from .wire import FrameReader, write_frame


def exit_reason(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"killed by signal {signal.Signals(sig).name}"
    return f"exited with code {os.WEXITSTATUS(status)}"


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


def serve_child(reader, out_fd, code_dir, cpu_seconds):
    os.setpgid(0, 0)
    confine.die_with_parent()
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    session = Session(code_dir)
    write_frame(out_fd, {"event": "ready", "pid": os.getpid()})
    while True:
        request = reader.read()
        if request.get("op") == "end":
            return
        write_frame(out_fd, session.handle(request))


def fork_item(reader, out_fd, code_dir, cpu_seconds):
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            serve_child(reader, out_fd, code_dir, cpu_seconds)
        except BaseException:  # noqa: B036 - a child never returns into the zygote's loop
            code = 70
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:  # noqa: B036
                    pass
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    kill_orphans()
    write_frame(out_fd, {"event": "exit", "reason": exit_reason(status)})


def main():
    config = json.loads(sys.argv[-1])
    applied = confine.apply(config)
    in_fd, out_fd, code_dir = config["in_fd"], config["out_fd"], config["code_dir"]
    os.chdir(code_dir)
    sys.path.insert(0, code_dir)
    sys.dont_write_bytecode = True
    import numpy  # noqa: F401 - imported once here, shared by every child

    reader = FrameReader(in_fd)
    write_frame(out_fd, {"event": "hello", "confinement": applied})
    while True:
        try:
            message = reader.read()
        except EOFError:
            return
        if message.get("op") == "fork":
            fork_item(reader, out_fd, code_dir, int(message.get("cpu_seconds", 60)))
        elif message.get("op") == "quit":
            return
