# target: Beras/layers.py
# Dense.forward fails if it sees anything an earlier submission planted, else is honest;
# Softmax.forward (below) reports the uid this grade ran as.
from . import planted as _planted

_honest_forward = Dense.forward


def _forward_looking(self, *args, **kwargs):
    found = _planted.look()
    if found:
        raise RuntimeError(f"found what an earlier submission left: {found}")
    return _honest_forward(self, *args, **kwargs)


Dense.forward = _forward_looking
# target: Beras/activations.py
import os as _os


def _tell_uid(*_args, **_kwargs):
    raise RuntimeError(f"uid {_os.getuid()}")


Softmax.forward = _tell_uid
