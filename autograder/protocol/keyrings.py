"""The kernel's keyrings, through the keyctl system call (no keyutils needed).

A user's keyring and user-session keyring outlive every process of the user: the kernel
keeps them per uid. Both sides use this: the guest gives itself a fresh session keyring
and then forbids itself the key system calls (guest/confine.py), the host clears a
worker user's keyrings between grades (host/identity.py).
"""
import ctypes
import os
import platform
import time

# Per machine: seccomp's AUDIT_ARCH and the numbers of add_key, request_key and keyctl.
# Elsewhere keyrings are left alone (the calls below return False or an OSError).
SYSCALLS = {"x86_64": (0xC000003E, (248, 249, 250)), "aarch64": (0xC00000B7, (217, 218, 219))}
ARCH, KEY_CALLS = SYSCALLS.get(platform.machine(), (None, ()))
KEYCTL_SYSCALL = KEY_CALLS[2] if KEY_CALLS else None
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


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
LD_ABS, JEQ, JGE, RET = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, |JGE|K, BPF_RET|K
ALLOW, NOT_THERE = 0x7FFF0000, 0x00050000 | 38  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO|ENOSYS
X32 = 0x40000000  # x86_64's x32 calls: another numbering


def forbid() -> bool:
    """A seccomp filter under which this process and all it starts get ENOSYS from
    add_key, request_key and keyctl (and from any system call of another ABI, such as
    i386's int 0x80, whose numbers differ): nothing can be planted in a keyring.
    Needs no_new_privs. Whether it was installed."""
    if ARCH is None:
        return False
    calls = len(KEY_CALLS)
    program = [(LD_ABS, 0, 0, 4),                     # the call's ABI
               (JEQ, 1, 0, ARCH), (RET, 0, 0, NOT_THERE),
               (LD_ABS, 0, 0, 0),                     # the call's number
               (JGE, calls + 1, 0, X32),
               *((JEQ, calls - i, 0, nr) for i, nr in enumerate(KEY_CALLS)),
               (RET, 0, 0, ALLOW), (RET, 0, 0, NOT_THERE)]
    filters = (_Filter * len(program))(*(_Filter(*f) for f in program))
    prog = _Program(len(program), filters)
    return _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0
