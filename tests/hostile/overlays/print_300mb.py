# target: Beras/layers.py
# The first Dense.forward of a process prints 300 MB; the results stay right.
import sys as _sys

_forward = Dense.forward
_printed = []


def _forward_and_print(self, inputs):
    if not _printed:
        _printed.append(True)
        line = "x" * (1 << 20) + "\n"
        for _ in range(300):
            _sys.stdout.write(line)
    return _forward(self, inputs)


Dense.forward = _forward_and_print
