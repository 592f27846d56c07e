"""How hard the worker is confined on this machine: limits always, a user when root."""
import functools
import os
import pwd
import resource
import subprocess
import sys

from .worker import Confinement

WORKER_USER = "beras-worker"
GiB = 1 << 30
LIMITS = {
    "RLIMIT_AS": 6 * GiB,        # a 40 GB allocation fails with MemoryError, not an OOM kill
    "RLIMIT_FSIZE": 64 << 20,    # no file the worker writes grows past 64 MiB
    "RLIMIT_CORE": 0,
    "RLIMIT_NOFILE": 256,
}
NPROC = 64  # only under the dedicated user: for a student's own account it would count
            # every process of their desktop session


def worker_user():
    """(uid, gid) of the dedicated user, created on first use; None unless root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(WORKER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", WORKER_USER], check=True, capture_output=True)
        entry = pwd.getpwnam(WORKER_USER)
    return entry.pw_uid, entry.pw_gid


def user_can_run_python(uid, gid) -> bool:
    """Can the worker user import numpy and lazily loaded stdlib modules with this Python?"""
    probe = subprocess.run(
        [sys.executable, "-I", "-c", "import zlib, gzip, json, numpy.random"],
        user=uid, group=gid, extra_groups=[], capture_output=True, cwd="/", timeout=60)
    return probe.returncode == 0


@functools.cache
def confinement() -> Confinement:
    """The confinement for this machine, decided once per grader process."""
    user = worker_user()
    if user and not user_can_run_python(*user):
        print(f"warning: {WORKER_USER} cannot read {sys.executable}'s libraries; the "
              "worker runs as root with resource limits only (run setup.sh with a "
              "world-readable Python)", file=sys.stderr)
        user = None
    limits = dict(LIMITS)
    if user:
        limits["RLIMIT_NPROC"] = NPROC
    limits = {k: min(v, resource.getrlimit(getattr(resource, k))[1])
              if resource.getrlimit(getattr(resource, k))[1] != resource.RLIM_INFINITY else v
              for k, v in limits.items()}
    uid, gid = user or (None, None)
    return Confinement(uid=uid, gid=gid, limits=limits)
