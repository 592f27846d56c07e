# target: Beras/layers.py
# Dense.__init__ asks for 40 GB (np.ones touches every page, so it is really used).
_init = Dense.__init__


def _init_and_hog(self, *args, **kwargs):
    self.hog = np.ones(40 * 2**30 // 8)
    _init(self, *args, **kwargs)


Dense.__init__ = _init_and_hog
