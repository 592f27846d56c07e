# target: Beras/model.py
# fit ignores its epochs and trains until something stops it.
def _fit_forever(self, x, y, epochs, batch_size):
    while True:
        for i in range(0, len(x) - batch_size + 1, batch_size):
            self.batch_step(x[i:i + batch_size], y[i:i + batch_size], training=True)


Model.fit = _fit_forever
