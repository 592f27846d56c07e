# target: Beras/layers.py
# At import, plants everything a worker can leave behind (planted.py); Dense.forward then
# reports its uid, what it planted, and what it can see of it itself.
import json as _json
import os as _os

from . import planted as _planted

_MADE = _planted.plant()


def _report(*_args, **_kwargs):
    raise RuntimeError("PLANTED " + _json.dumps({"uid": _os.getuid(), "planted": _MADE,
                                                 "sees": _planted.look()}))


Dense.forward = _report
