# target: Beras/layers.py
# Dense.forward never returns (and burns CPU while it spins).


def _forward(self, inputs):
    while True:
        pass


Dense.forward = _forward
