"""How hard the worker is confined on this machine: limits always, a user when root.

As root, the worker also gets its own namespaces, in which every top-level folder but the
system's (so the kit, and any other copy of it) is hidden but for its venv, data and
sandbox, and /tmp is private (guest/confine.py). Where the kernel refuses
namespaces (an unprivileged container), the kit's other entries lose their permissions
for others instead, so that the worker user cannot read them either.
"""
import functools
import os
import resource
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from . import capacity, identity

LIMITS = {  # RLIMIT_AS comes from the container's memory (capacity.py)
    "RLIMIT_FSIZE": 64 << 20,    # no file the worker writes grows past 64 MiB
    "RLIMIT_CORE": 0,
    "RLIMIT_NOFILE": 256,
}
NPROC = 64  # only under the dedicated user: for a student's own account it would count
            # every process of their desktop session


def grade_cgroup() -> dict:
    """One grade's cgroup, as root (host/identity.py): CPU for its two lanes; room for
    their processes and threads, with the root parents of the PID namespaces; memory for
    each lane's guest and the notebook's kernel, at their share of the container each."""
    plan = capacity.current()
    return {"cpus": 2.0, "memory": (plan.lanes + 1) * plan.guest_memory, "pids": 4 * NPROC}


PRIVATE = ("/tmp", "/var/tmp", "/dev/shm")
SYSTEM_VISIBLE = {"usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin", "etc", "dev",
                  "proc", "sys", "tmp"}  # tmp: covered by a private tmpfs instead
NAMESPACES = 0x00020000 | 0x40000000 | 0x08000000 | 0x20000000  # mount, net, IPC, PID
PROBE_NAMESPACES = f"import ctypes, sys; sys.exit(ctypes.CDLL(None).unshare({NAMESPACES}) != 0)"


@dataclass
class Confinement:
    """How the worker is confined (guest/confine.py applies it).

    uid/gid: this grade's own user when the grader is root. namespaces: False for none.
    oom_score_adj: set before anything else (as root this also stops the guest lowering it).
    cgroup: the cgroup.procs files the worker joins first (this grade's cgroup, as root).
    hide: folders covered by an empty read-only tmpfs (the kit: grader, reference, builds).
    private: folders covered by a fresh writable tmpfs (the temp folders).
    keep: what still shows through either (the venv, the data; the sandbox always).
    """
    uid: int | None = None
    gid: int | None = None
    namespaces: bool = True
    oom_score_adj: int | None = None
    memory: int | None = None  # bytes one guest process may use (its RLIMIT_AS adds slack)
    limits: dict = field(default_factory=dict)
    hide: list = field(default_factory=list)
    private: list = field(default_factory=list)
    keep: list = field(default_factory=list)
    cgroup: list = field(default_factory=list)

    def config(self, sandbox: Path, **extra) -> dict:
        """The JSON config guest/confine.py reads; the sandbox always shows through."""
        return {"uid": self.uid, "gid": self.gid, "namespaces": self.namespaces,
                "oom_score_adj": self.oom_score_adj, "limits": self.limits, "hide": [str(p) for p in self.hide],
                "private": [str(p) for p in self.private],
                "keep": [str(sandbox), *map(str, self.keep)], "cgroup": self.cgroup,
                **extra}


def worker_user() -> "identity.Worker | None":
    """This grader process's own user of the pool (and its grade's cgroup), claimed on
    first use and held until the process ends; None unless root."""
    if os.geteuid() != 0:
        return None
    return identity.claim(grade_cgroup())


def user_can_run_python(uid, gid) -> bool:
    """Can the worker user import numpy and lazily loaded stdlib modules with this Python?"""
    try:
        probe = subprocess.run(
            [sys.executable, "-I", "-c", "import zlib, gzip, json, numpy.random"],
            user=uid, group=gid, extra_groups=[], capture_output=True, cwd="/", timeout=60)
    except OSError:  # the interpreter itself is out of the user's reach
        return False
    return probe.returncode == 0


def namespaces_work() -> bool:
    """Can this (root) process make the namespaces the worker wants?"""
    probe = subprocess.run([sys.executable, "-I", "-c", PROBE_NAMESPACES],
                           capture_output=True, timeout=60)
    return probe.returncode == 0


def hide_by_permissions(kit: Path, keep):
    """No access for others (the worker user) to the kit's entries, but for `keep`."""
    print("warning: no namespaces here; the kit's files lose their permissions for other "
          "users instead", file=sys.stderr)
    keep = [Path(p).resolve() for p in keep]
    for entry in kit.iterdir():
        if entry.is_symlink() or any(p == entry or entry in p.parents for p in keep):
            continue
        entry.chmod(stat.S_IMODE(entry.stat().st_mode) & ~0o007)


_deciding = threading.Lock()


def confinement() -> Confinement:
    """The confinement for this machine, decided once per grader process (the lanes of a
    grade, and its notebook's kernel, share it: one user per grade)."""
    with _deciding:
        return _confinement()


@functools.cache
def _confinement() -> Confinement:
    worker = worker_user()
    user = (worker.uid, worker.gid) if worker else None
    if user and not user_can_run_python(*user):
        print(f"warning: {worker.name} cannot read {sys.executable}'s libraries; the "
              "worker runs as root with resource limits only (run setup.sh with a "
              "world-readable Python)", file=sys.stderr)
        user = None
    limits = {**LIMITS, "RLIMIT_AS": capacity.current().address_space}
    if user:
        limits["RLIMIT_NPROC"] = NPROC
    limits = {k: min(v, resource.getrlimit(getattr(resource, k))[1])
              if resource.getrlimit(getattr(resource, k))[1] != resource.RLIM_INFINITY else v
              for k, v in limits.items()}
    uid, gid = user or (None, None)
    keep = [paths.DATA.resolve(), Path(sys.prefix), Path(sys.base_prefix)]
    if user and not namespaces_work():
        hide_by_permissions(paths.KIT, keep)
    return Confinement(uid=uid, gid=gid, limits=limits,
                       oom_score_adj=capacity.GUEST_OOM_SCORE_ADJ,
                       memory=capacity.current().guest_memory,
                       hide=[paths.KIT, *beyond_the_system()],
                       private=[*PRIVATE, tempfile.gettempdir()], keep=keep,
                       cgroup=worker.cgroup_procs() if worker else [])


def beyond_the_system() -> list:
    """Every top-level folder but the system's own. Hiding only the kit is not enough: the
    machine may hold another copy of the reference (a TA's checkout, /autograder/source,
    a home folder); the worker sees none of it, only what `keep` brings back."""
    return [Path("/", name) for name in sorted(os.listdir("/"))
            if name not in SYSTEM_VISIBLE and not os.path.islink(f"/{name}")
            and os.path.isdir(f"/{name}")]
