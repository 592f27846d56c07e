"""Confinement the worker applies to itself before any student code is imported.

As root (Gradescope): a private network namespace, then the dedicated user's uid/gid.
Always: no new privileges, resource limits, a child subreaper (so orphans that detach
come back to the zygote, which kills them), and death when the grader dies.
"""
import ctypes
import os
import resource
import signal

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000

_libc = ctypes.CDLL(None, use_errno=True)


def _prctl(option, value):
    return _libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) == 0


def _unshare(flags):
    return _libc.unshare(flags) == 0


def _write(path, text):
    try:
        with open(path, "w") as f:
            f.write(text)
        return True
    except OSError:
        return False


def isolate_network(uid, gid) -> bool:
    """No network for the worker: a new network namespace with only a down loopback."""
    if os.getuid() == 0:
        return _unshare(CLONE_NEWNET)
    if not _unshare(CLONE_NEWUSER | CLONE_NEWNET):
        return False
    _write("/proc/self/setgroups", "deny")
    return _write("/proc/self/uid_map", f"{uid} {uid} 1") and \
        _write("/proc/self/gid_map", f"{gid} {gid} 1")


def drop_privileges(uid, gid):
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise RuntimeError("could not drop privileges")


def set_limits(limits: dict):
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def die_with_parent():
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def apply(config: dict) -> dict:
    """Confine this process as `config` says; returns what took effect, for the report."""
    die_with_parent()
    uid, gid = config.get("uid"), config.get("gid")
    me_uid, me_gid = os.getuid(), os.getgid()
    network = isolate_network(me_uid, me_gid) if config.get("no_network", True) else False
    if uid is not None and os.getuid() == 0:
        drop_privileges(uid, gid)
    no_new_privs = _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    set_limits(config.get("limits", {}))
    return {"uid": os.getuid(), "network_isolated": network, "no_new_privs": no_new_privs}
