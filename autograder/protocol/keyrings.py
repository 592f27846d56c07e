"""The kernel's keyrings, through the keyctl system call (no keyutils needed).

A user's keyring and user-session keyring outlive every process of the user: the kernel
keeps them per uid. Both sides use this: the guest gives itself a fresh session keyring
(guest/confine.py), the host clears a worker user's keyrings between grades
(host/identity.py).
"""
import ctypes
import os
import platform
import time

# keyctl(2)'s number per machine; elsewhere keyrings are left alone (calls return False)
KEYCTL_SYSCALL = {"x86_64": 250, "aarch64": 219, "arm64": 219}.get(platform.machine())
JOIN_SESSION_KEYRING, SETPERM, CLEAR, GET_PERSISTENT = 1, 5, 7, 22
THREAD, PROCESS, SESSION, USER, USER_SESSION = -1, -2, -3, -4, -5  # KEY_SPEC_*
OWNER_ALL = 0x3f3f0000  # possessor and user: view, read, write, search, link, setattr

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def keyctl(op: int, *args) -> int:
    """keyctl(op, args…): its value, or OSError."""
    if KEYCTL_SYSCALL is None:
        raise OSError(38, "keyctl: unknown system call number on this machine")
    values = [a if isinstance(a, ctypes.c_char_p) else ctypes.c_long(a) for a in args]
    result = _libc.syscall(ctypes.c_long(KEYCTL_SYSCALL), ctypes.c_long(op), *values)
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"keyctl({op}): {os.strerror(err)}")
    return result


def join_fresh_session() -> bool:
    """Give this process a new, empty, anonymous session keyring: it no longer possesses
    the keyring of the session it came from (the grader's, root's)."""
    try:
        keyctl(JOIN_SESSION_KEYRING, ctypes.c_char_p(None))
        return True
    except OSError:
        return False


def clear_own() -> list:
    """As the user whose keyrings they are: empty the user, user-session and persistent
    keyrings (whatever permissions a key's owner set on them). What could not be cleared."""
    join_fresh_session()  # never touch the caller's old session keyring
    left = []
    rings = {"user": USER, "user session": USER_SESSION}
    try:
        rings["persistent"] = keyctl(GET_PERSISTENT, -1, PROCESS)
    except OSError:
        pass  # a kernel without persistent keyrings
    for name, ring in rings.items():
        try:
            keyctl(SETPERM, ring, OWNER_ALL)
        except OSError:
            pass
        try:
            keyctl(CLEAR, ring)
        except OSError as e:
            left.append(f"{name} keyring: {e.strerror}")
    return left + wait_for_collection()


def visible_keys() -> list:
    """The lines of /proc/keys for keys (not keyrings) of this user that it can view."""
    try:
        with open("/proc/keys") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    me = str(os.getuid())
    return [ln for ln in lines if len(ln.split()) > 7 and ln.split()[5] == me
            and ln.split()[7] != "keyring"]


def wait_for_collection(seconds: float = 5.0) -> list:
    """Keys of a session keyring whose last process just ended are collected by the kernel
    a moment later: wait for them, up to `seconds`. What is still there."""
    deadline = time.monotonic() + seconds
    while visible_keys() and time.monotonic() < deadline:
        time.sleep(0.02)
    return [f"key {ln.split()[0]}" for ln in visible_keys()]
