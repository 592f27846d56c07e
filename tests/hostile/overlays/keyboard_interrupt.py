# target: Beras/layers.py
# Dense.forward raises KeyboardInterrupt (a BaseException, as ^C would).


def _forward(self, inputs):
    raise KeyboardInterrupt


Dense.forward = _forward
