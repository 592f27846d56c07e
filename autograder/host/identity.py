"""One identity per concurrent grade: a pool of worker users, one grade at a time each.

As root, every grader process claims one user of the pool (beras-worker-0 … -N) with an
exclusive lock on a file per user, held until the process ends: concurrent grades, even
from separate processes or separate copies of the kit, never share a uid. So limits that
count per user (RLIMIT_NPROC), the user's kernel keyrings, the ownership of its files
and the right to signal its processes cannot reach from one submission to another.

Before a grade uses its user, `clear` removes everything an earlier grade as that user
may have left, whatever the confinement managed: its processes, its files in every place
the user can write, its keyrings, its SysV IPC objects and POSIX message queues. With
the namespaces of guest/confine.py most of it never reaches the machine; without them
(an unprivileged container) this is what keeps grades apart.

The claimed user also has its own cgroup (host/limits.py), `beras-worker-N`, with the
pid, memory and CPU limits of one grade: a fork bomb or a memory hog stays inside it.
"""
import atexit
import ctypes
import fcntl
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..protocol import keyrings
from . import limits

PREFIX = "beras-worker-"
POOL = 8  # grades at once on one machine; one more waits for a free user
LOCKS = Path("/run/lock/beras-workers")  # one file per user of the pool
# Where an unprivileged user can create files on a Debian/Ubuntu machine (or container)
WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")
SYSV = {"shm": "shmid", "msg": "msqid", "sem": "semid"}  # /proc/sysvipc/<kind>: id column
IPC_RMID = 0
CLONE_NEWNS, MS_REC, MS_PRIVATE = 0x00020000, 0x4000, 0x40000
ROUND, ROUNDS = 0.02, 250  # how often, and how many times, clear looks again (5 s at most)

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class Worker:
    """The pool user this process holds, and its grade's cgroup (None where none can be
    made)."""
    index: int
    name: str
    uid: int
    gid: int
    lock: int = field(repr=False, default=-1)
    holder: int = 0  # the pid of the process that claimed it
    cgroup: limits.Cgroup | None = None

    def cgroup_procs(self) -> list:
        """The files a process writes its pid to, to join the grade's cgroup."""
        if self.cgroup is None:
            return []
        return [str(f / "cgroup.procs") for f in self.cgroup.folders.values()]


def ensure_user(name: str) -> pwd.struct_passwd:
    """The pool user, created on first use (useradd waits for the passwd lock)."""
    for attempt in range(30):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
        done = subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                               "/usr/sbin/nologin", name], capture_output=True, text=True)
        if done.returncode not in (0, 9):  # 9: it exists
            if "lock" not in done.stderr:  # only a busy /etc/passwd is worth waiting for
                raise RuntimeError(f"useradd {name}: {done.stderr.strip()}")
            time.sleep(0.1 * (attempt + 1))
    return pwd.getpwnam(name)


def lock_folder() -> Path:
    """/run/lock/beras-workers, or a folder in the temp folder where /run is read-only;
    root's alone (0700), so no worker can take or hold a lock."""
    for folder in (LOCKS, Path(tempfile.gettempdir()) / "beras-workers"):
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if folder.stat().st_uid == 0:
                return folder
        except OSError:
            continue
    raise RuntimeError("no folder for the worker users' locks")


def _try_lock(index: int, block: bool) -> int | None:
    fd = os.open(lock_folder() / f"{index}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def claim(grade_limits: dict | None = None) -> Worker:
    """Claim a free user of the pool for this process (waiting if all are taken), clear
    what an earlier grade left, and make the grade's cgroup with `grade_limits`
    (Cgroup's cpus, memory, pids) where cgroups can be made."""
    for index in range(POOL):
        fd = _try_lock(index, block=False)
        if fd is not None:
            break
    else:
        index = os.getpid() % POOL
        fd = _try_lock(index, block=True)
    entry = ensure_user(f"{PREFIX}{index}")
    worker = Worker(index, entry.pw_name, entry.pw_uid, entry.pw_gid, fd, os.getpid())
    left = clear(worker.uid)
    if left:
        print(f"warning: {worker.name} still has, after clearing: {', '.join(left)}",
              file=sys.stderr)
    worker.cgroup = fresh_cgroup(worker.name, grade_limits or {})
    atexit.register(release, worker)
    return worker


def fresh_cgroup(name: str, grade_limits: dict):
    """The grade's cgroup, after the one an earlier holder may have left (killed first)."""
    if limits.can_make_cgroups() is not None:
        return None
    try:
        stale = limits.Cgroup.existing(name)
        if stale is not None:
            stale.remove()
        return limits.Cgroup(name=name, **grade_limits)
    except OSError:
        return None


def release(worker: Worker):
    """At the end of the process: nothing of the grade stays, and the user is free."""
    if os.getpid() != worker.holder:  # a forked child that ran atexit: not its to free
        return
    if worker.cgroup is not None:
        worker.cgroup.remove()
    clear(worker.uid)
    os.close(worker.lock)


def clear(uid: int) -> list:
    """Remove everything the user may have left; what could not be removed (for a warning)."""
    kill_processes(uid)
    remove_sysv_ipc(uid)  # before the keyrings: a shared memory segment holds its
    remove_message_queues(uid)  # creator's credentials, and so its session keyring
    remove_files(uid)
    left = clear_keyrings(uid)
    kill_processes(uid)  # a process that slipped in meanwhile
    return left + [f"process {pid}" for pid in processes_of(uid)]


def processes_of(uid: int, zombies: bool = False) -> list:
    """Processes with `uid` as their real, effective, saved or filesystem uid (a zombie
    still holds its credentials, and so its keyrings, until it is reaped)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        uids = next((ln.split()[1:] for ln in lines if ln.startswith("Uid:")), [])
        state = next((ln.split()[1] for ln in lines if ln.startswith("State:")), "?")
        if str(uid) in uids and (zombies or state != "Z"):
            found.append(int(pid))
    return found


def _as_user(uid: int, work) -> int:
    """Run `work()` in a child that is `uid` (and nothing else); its exit code."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setgid(pwd.getpwuid(uid).pw_gid)
            os.setuid(uid)
            code = work() or 0
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def kill_processes(uid: int):
    """kill(-1) as the user itself reaches every one of its processes at once, in every
    PID namespace, however fast they fork; repeated until none is left, then a moment for
    their parents to reap them."""
    def kill_all():
        try:
            os.kill(-1, 9)
        except ProcessLookupError:
            pass
    for _ in range(ROUNDS):
        if not processes_of(uid, zombies=True):
            return
        if processes_of(uid):
            _as_user(uid, kill_all)
        time.sleep(ROUND)


def clear_keyrings(uid: int) -> list:
    """The user's keyrings, emptied by a process of that user (only it may)."""
    left = []
    r, w = os.pipe()

    def work():
        os.close(r)
        os.write(w, "\n".join(keyrings.clear_own()).encode())
    _as_user(uid, work)
    os.close(w)
    with os.fdopen(r) as f:
        left = [line for line in f.read().splitlines() if line]
    return left


def remove_files(uid: int):
    """Every file the user owns in the places it can write, and below them (a folder
    only others can write cannot hold the user's files, so the walk skips it)."""
    for place in WRITABLE:
        for folder, dirs, files in os.walk(place):
            keep = []
            for name in dirs + files:
                path = os.path.join(folder, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if st.st_uid == uid:
                    if name in dirs and not os.path.islink(path):
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        _unlink(path)
                elif name in dirs and st.st_mode & 0o002 and not os.path.islink(path):
                    keep.append(name)
            dirs[:] = keep


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def remove_sysv_ipc(uid: int):
    """Shared memory, message queues and semaphores the user owns or created."""
    remove = {"shm": lambda i: _libc.shmctl(i, IPC_RMID, None),
              "msg": lambda i: _libc.msgctl(i, IPC_RMID, None),
              "sem": lambda i: _libc.semctl(i, 0, IPC_RMID)}
    for kind, id_column in SYSV.items():
        try:
            header, *rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        except OSError:
            continue
        cols = header.split()
        for row in rows:
            fields = dict(zip(cols, row.split()))
            if str(uid) in (fields.get("uid"), fields.get("cuid")):
                remove[kind](int(fields[id_column]))


def remove_message_queues(uid: int):
    """POSIX message queues live in the mqueue filesystem, mounted or not: mount it in a
    child's own mount namespace and remove the user's queues there."""
    if os.path.ismount("/dev/mqueue"):
        return  # a place in WRITABLE: remove_files did it
    where = tempfile.mkdtemp(prefix="beras-mqueue-")
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            if _libc.unshare(CLONE_NEWNS) == 0 and \
                    _libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) == 0 and \
                    _libc.mount(b"mqueue", where.encode(), b"mqueue", 0, None) == 0:
                for name in os.listdir(where):
                    if os.lstat(os.path.join(where, name)).st_uid == uid:
                        _unlink(os.path.join(where, name))
                code = 0
        finally:
            os._exit(code)
    os.waitpid(pid, 0)
    os.rmdir(where)
