"""State a worker can leave behind, as a hostile submission plants it and as the next one
looks for it: a detached process, files in every writable place, kernel keys, SysV IPC
objects and a POSIX message queue. Standard library and ctypes only: it is copied into
submissions (as Beras/planted.py) and also run by the kit's tests as a worker user.

plant() returns the kinds it could plant; look() the kinds it finds (with details).
"""
import ctypes
import os
import platform
import time

MARK = "beras-planted"
FILES = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
SYSV_KEY = 0x0BE4A5
IPC_CREAT = 0o1000
O_RDWR, O_CREAT = 0o2, 0o100
KEYCTL = {"x86_64": (248, 250), "aarch64": (217, 219)}.get(platform.machine())  # add_key, keyctl
KEYRINGS = {"user": -4, "user session": -5, "session": -3}
PR_SET_NAME = 15

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _daemon():
    """A process in its own session that waits for an hour, named MARK."""
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            _libc.prctl(PR_SET_NAME, MARK.encode(), 0, 0, 0)
            for fd in range(0, 256):
                try:
                    os.close(fd)
                except OSError:
                    pass
            time.sleep(3600)
        os._exit(0)
    os.wait()
    return True


def _files():
    made = []
    for folder in FILES:
        try:
            with open(os.path.join(folder, MARK), "w") as f:
                f.write(MARK)
            made.append(folder)
        except OSError:
            pass
    return made


def _keys():
    if KEYCTL is None:
        return []
    added = []
    for name, ring in KEYRINGS.items():
        payload = MARK.encode()
        if _libc.syscall(ctypes.c_long(KEYCTL[0]), b"user", MARK.encode(), payload,
                         ctypes.c_size_t(len(payload)), ctypes.c_long(ring)) >= 0:
            added.append(name)
    return added


def _sysv():
    made = []
    if _libc.shmget(SYSV_KEY, 4096, IPC_CREAT | 0o666) >= 0:
        made.append("shm")
    if _libc.msgget(SYSV_KEY, IPC_CREAT | 0o666) >= 0:
        made.append("msg")
    if _libc.semget(SYSV_KEY, 1, IPC_CREAT | 0o666) >= 0:
        made.append("sem")
    return made


def _mqueue():
    return _libc.mq_open(f"/{MARK}".encode(), O_RDWR | O_CREAT, 0o600, None) >= 0


def plant() -> dict:
    return {"process": _daemon(), "files": _files(), "keys": _keys(), "sysv": _sysv(),
            "mqueue": _mqueue()}


def look() -> dict:
    """What of plant()'s this process can see; empty when it sees nothing."""
    found = {}
    procs = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                head, tail = f.read().rsplit(")", 1)
            name, state = head.split("(", 1)[1], tail.split()[0]
            if name == MARK and state != "Z":  # a zombie runs nothing (its parent reaps it)
                procs.append(int(pid))
        except OSError:
            pass
    if procs:
        found["process"] = procs
    files = [folder for folder in FILES if os.path.lexists(os.path.join(folder, MARK))]
    if files:
        found["files"] = files
    try:
        with open("/proc/keys") as f:  # every key this process may view, in any keyring
            keys = [line.strip() for line in f if MARK in line]
    except OSError:
        keys = []
    if KEYCTL is not None:  # and the keyrings it possesses, searched
        for name, ring in KEYRINGS.items():
            if _libc.syscall(ctypes.c_long(KEYCTL[1]), ctypes.c_long(10), ctypes.c_long(ring),
                             b"user", MARK.encode(), ctypes.c_long(0)) >= 0:
                keys.append(f"in the {name} keyring")
    if keys:
        found["keys"] = keys
    sysv = [kind for kind, get in (("shm", lambda: _libc.shmget(SYSV_KEY, 0, 0)),
                                   ("msg", lambda: _libc.msgget(SYSV_KEY, 0)),
                                   ("sem", lambda: _libc.semget(SYSV_KEY, 0, 0)))
            if get() >= 0]
    if sysv:
        found["sysv"] = sysv
    if _libc.mq_open(f"/{MARK}".encode(), 0) >= 0:
        found["mqueue"] = True
    return found
