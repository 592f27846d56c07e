"""Confinement a worker (or the notebook's kernel) applies to itself before student code runs.

As root (Gradescope), in new mount, network, IPC and PID namespaces:
- the kit (`hide`: the grader, the reference, builds) is covered by an empty read-only
  tmpfs, and /tmp, /var/tmp and /dev/shm (`private`) by fresh writable ones: in both,
  only the paths the worker needs (`keep`: its sandbox, the venv, the data) show
  through, so it cannot read the kit, nor see a grade running beside it;
- then this grade's own user's uid/gid (host/identity.py), with no capabilities left;
- first of all, it joins the grade's cgroup (pid, memory and CPU limits), when given.
As any other user: user, network, IPC and PID namespaces where the kernel allows them
(no mounts, same user), or else the resource limits alone.
Always: no new privileges, resource limits, death with the parent, and first of all the
OOM killer's preference (oom_score_adj: a guest is killed before the grader); a fresh
session keyring (it no longer possesses the keyring of the session it came from), and then
no key system calls at all (a seccomp filter): nothing student code does can reach a
keyring, which the kernel keeps per uid beyond every process.

With a PID namespace, `apply` forks: the parent stays outside and only waits (SIGTERM
makes it kill the child), the child goes on as the namespace's init. When the init
dies, the kernel kills every process left in the namespace, however detached, so a
grade leaves nothing behind. Without one, the process is a child subreaper instead.
"""
import ctypes
import os
import resource
import signal

from ..protocol import keyrings

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MNT_DETACH = 0x2
TMP_SIZE = "256m"  # a private /tmp is memory: cap what a worker can park there

_libc = ctypes.CDLL(None, use_errno=True)


def _prctl(option, value):
    return _libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) == 0


def _unshare(flags):
    return _libc.unshare(flags) == 0


def _mount(source, target, fstype=None, flags=0, data=None) -> bool:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    return _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags),
                       enc(data)) == 0


def _write(path, text):
    try:
        with open(path, "w") as f:
            f.write(text)
        return True
    except OSError:
        return False


def enter_namespaces() -> dict:
    """New namespaces for this process (PID: for its children). Which ones took effect."""
    if os.getuid() == 0:
        ok = _unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID)
        return {"mount": ok, "network": ok, "pid": ok}
    uid, gid = os.getuid(), os.getgid()
    if not _unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID):
        return {"mount": False, "network": False, "pid": False}
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    return {"mount": False, "network": True, "pid": True}


def oom_score_adj():
    try:
        with open("/proc/self/oom_score_adj") as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


def _is_under(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


SYSTEM = ("/usr", "/lib", "/etc", "/bin")  # never covered, whatever a config says


def cover(folders, keep, *, mode: str, size: str, read_only: bool) -> bool:
    """A fresh tmpfs over each folder, in which only the `keep` paths inside it show through.

    Returns whether every folder was covered (a folder that would cover the system's own
    files, or whose kept paths could not be brought back, is left as it was).
    """
    folders = sorted({os.path.realpath(f) for f in folders if os.path.isdir(f)})
    ok = not any(_is_under(s, f) for s in SYSTEM for f in folders)
    tops = []
    for folder in folders:  # sorted: a folder comes before the folders inside it
        if not any(_is_under(s, folder) for s in SYSTEM) and \
                not any(_is_under(folder, t) for t in tops):
            tops.append(folder)
    keep = sorted({os.path.realpath(p) for p in keep if os.path.isdir(p)})
    for top in tops:
        # Held open across the mount, which hides them; a bind from the fd brings them back.
        held = [(p, os.open(p, os.O_PATH | os.O_DIRECTORY)) for p in keep if _is_under(p, top)]
        covered = _mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={mode},size={size}")
        for path, fd in held:
            if covered:
                os.makedirs(path, exist_ok=True)
                covered = _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            os.close(fd)
        if covered and read_only:
            covered = _mount(None, top, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        if not covered:  # a worker that cannot reach its sandbox would fail every item
            _libc.umount2(top.encode(), MNT_DETACH)
        ok = ok and covered
    return ok


def _supervise(pid):
    """The parent outside the PID namespace: wait for its init; on SIGTERM, kill it."""
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    try:
        handle = os.pidfd_open(pid)  # stays valid if the pid is reaped and reused
        kill = lambda *_: signal.pidfd_send_signal(handle, signal.SIGKILL)  # noqa: E731
    except (AttributeError, OSError):
        kill = lambda *_: os.kill(pid, signal.SIGKILL)  # noqa: E731
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a kernel interrupt is for the kernel
    signal.signal(signal.SIGTERM, kill)
    signal.signal(signal.SIGHUP, kill)
    _, status = os.waitpid(pid, 0)  # returns once the whole namespace is gone
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def drop_privileges(uid, gid):
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise RuntimeError("could not drop privileges")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


def drop_capabilities() -> bool:
    """No capabilities, even those a user namespace grants its creator."""
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (ctypes.c_uint32 * 6)()      # effective, permitted, inheritable, twice: all zero
    return _libc.capset(ctypes.byref(header), data) == 0


def set_limits(limits: dict):
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def die_with_parent():
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def join_cgroup(procs_files) -> bool:
    """Move this process (and so all it starts) into the grade's cgroup."""
    try:
        for path in procs_files:
            with open(path, "w") as f:
                f.write("0")
        return True
    except OSError:
        return False


def apply(config: dict) -> dict:
    """Confine this process as `config` says; returns what took effect, for the report.

    Args:
        config: uid, gid (the grade's user, used when root), namespaces (False: none),
            oom_score_adj (None: inherited), limits (resource name -> value), hide, private
            and keep (lists of paths), cgroup (the cgroup.procs files of the grade's cgroup).

    Returns:
        dict with uid, network_isolated, pid_namespace, kit_hidden, private_tmp,
        no_new_privs, oom_score_adj, cgroup, fresh_keyring and keys_forbidden. With a PID
        namespace, the caller is now its init (the original process stays outside and
        never returns).
    """
    if config.get("oom_score_adj") is not None:  # as root, also the floor the guest keeps
        _write("/proc/self/oom_score_adj", str(config["oom_score_adj"]))
    die_with_parent()
    in_cgroup = bool(config.get("cgroup")) and join_cgroup(config["cgroup"])
    spaces = enter_namespaces() if config.get("namespaces", True) else {}
    hidden = private = False
    # Only once mounts no longer propagate back to the host: else they would hide the kit
    # from the grader too.
    if spaces.get("mount") and _mount(None, "/", None, MS_REC | MS_PRIVATE):
        keep = config.get("keep", ())
        hidden = bool(config.get("hide")) and cover(config["hide"], keep, mode="755",
                                                    size="1m", read_only=True)
        private = cover(config.get("private", ()), keep, mode="1777", size=TMP_SIZE,
                        read_only=False)
    if spaces.get("pid"):
        pid = os.fork()
        if pid:
            _supervise(pid)
        die_with_parent()
        if spaces.get("mount"):
            _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    else:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
    uid, gid = config.get("uid"), config.get("gid")
    if uid is not None and os.getuid() == 0:
        drop_privileges(uid, gid)
        die_with_parent()  # a change of user clears the parent-death signal: set it again
    fresh_keyring = keyrings.join_fresh_session()  # owned by the user it now is
    drop_capabilities()
    no_new_privs = _prctl(PR_SET_NO_NEW_PRIVS, 1)
    keys_forbidden = no_new_privs and keyrings.forbid()
    set_limits(config.get("limits", {}))
    return {"uid": os.getuid(), "network_isolated": bool(spaces.get("network")),
            "pid_namespace": bool(spaces.get("pid")), "kit_hidden": hidden,
            "private_tmp": private, "no_new_privs": no_new_privs,
            "oom_score_adj": oom_score_adj(), "cgroup": in_cgroup,
            "fresh_keyring": fresh_keyring, "keys_forbidden": keys_forbidden}
