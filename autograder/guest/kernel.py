"""Start the notebook's kernel confined like a worker: the notebook runs student code too.

    python -I -c BOOT SANDBOX CONFIG  python -m ipykernel_launcher -f CONNECTION_FILE

(host/supervisor.py's `kernel_launcher` builds the prefix; the notebook runner appends the
kernel command.) As root, the connection file's folder, where the kernel also makes its
ipc sockets and its HOME, is handed to the worker user first. Then the same confinement
as a worker, a fresh environment, and exec: the kernel is the init of its PID namespace,
so when it is killed everything it started dies with it.
"""
import json
import os
import sys

from . import confine

KEPT_ENV = ("LANG", "JPY_PARENT_PID", "PYDEVD_DISABLE_FILE_VALIDATION", "OPENBLAS_NUM_THREADS",
            "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OPENBLAS_CORETYPE",
            "OPENBLAS_L2_SIZE", "MALLOC_ARENA_MAX")


def kernel_env(home: str) -> dict:
    env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **env, "HOME": home,
            "PYTHONHASHSEED": "0"}


def hand_over(folder: str, files, uid, gid):
    """Let the worker user create its sockets in `folder` and read `files` (we are root)."""
    for path in (folder, *files):
        os.chown(path, uid, gid)


def main():
    config, command = json.loads(sys.argv[2]), sys.argv[3:]
    connection = os.path.realpath(command[command.index("-f") + 1])
    folder = os.path.dirname(connection)
    if config.get("uid") is not None and os.getuid() == 0:
        hand_over(folder, [connection], config["uid"], config["gid"])
    config["keep"] = [*config.get("keep", ()), folder]
    cwd = os.getcwd()
    confine.apply(config)
    os.chdir(cwd)  # the same path, now seen through the private /tmp
    if config.get("hung") and command[1:3] == ["-m", "ipykernel_launcher"]:
        # the kernel's Python poisons what hung in earlier items, then runs the kernel
        command = [command[0], "-c", POISONED_KERNEL, sys.argv[1], json.dumps(config["hung"]),
                   *command[3:]]
    os.execve(command[0], command, kernel_env(folder))


POISONED_KERNEL = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
                   "from autograder.guest.hangs import run_kernel; run_kernel()")
