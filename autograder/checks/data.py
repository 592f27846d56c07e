"""preprocess.get_data_MNIST against the MNIST files themselves (public)."""
import gzip

import numpy as np

from . import check
from ..feedback import CheckFailed, Failure, assert_close

FILES = {"train": ("train", 60000), "test": ("t10k", 10000)}
FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the seed notebook's expected output
ROWS = (0, 1, 2)  # rows compared pixel by pixel (the head of the file: cheap to read here)


def true_labels(data_dir, prefix):
    """Every label of MNIST's `prefix` ("train" or "t10k") set, read here from its .gz file."""
    with gzip.open(data_dir / "mnist" / f"{prefix}-labels-idx1-ubyte.gz") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=8)


def read_truth(data_dir, prefix, rows=len(ROWS)):
    """The first `rows` images (rows, 784) in [0, 1] and every label, read from the .gz files."""
    with gzip.open(data_dir / "mnist" / f"{prefix}-images-idx3-ubyte.gz") as f:
        head = np.frombuffer(f.read(16 + rows * 784), dtype=np.uint8, offset=16)
    return head.reshape(rows, 784) / 255.0, true_labels(data_dir, prefix)


def expect(ok, checked, what, expected, got, diagnosis=None, inputs=None):
    if not ok:
        raise CheckFailed(Failure(checked=checked, inputs=inputs or {}, what=what,
                                  expected=expected, got=got, diagnosis=diagnosis))


@check("data.mnist")
def data_mnist(ctx):
    for subset, (prefix, n) in FILES.items():
        checked = (f'get_data_MNIST("{subset}", "../data") returns ({n}, 784) float32 inputs '
                   f"in [0, 1] and ({n},) uint8 labels, as the MNIST files hold them")
        inputs = {"subset": subset}
        got = ctx.student.proc("mnist_summary", subset, "../data", list(ROWS))
        x, y = got["inputs"], got["labels"]
        rows, labels = read_truth(ctx.data_dir, prefix)
        for name, facts in (("inputs", x), ("labels", y)):
            expect(facts["type"] == "numpy.ndarray", checked, f"type of {name}", "ndarray",
                   facts["type"], "not implemented yet: no array came back"
                   if facts["type"] == "builtins.NoneType" else None, inputs)
        shape = x.get("shape") or []
        expect(shape == [n, 784], checked, "inputs' shape", (n, 784), tuple(shape),
               "flatten each 28 × 28 image to 784 values" if shape[:1] == [n] else
               "the 16-byte header of the images file must be skipped, then every image "
               "read" if shape else None, inputs)
        # what passes rests on arrays: the rows themselves (with their own dtype) and every
        # image's pixel sum, against the files read here
        sample = x.get("rows")
        dtype = sample.dtype.name if isinstance(sample, np.ndarray) else None
        expect(dtype == "float32", checked, "inputs' dtype", "float32", dtype,
               "not float32: cast the pixels with .astype(np.float32)", inputs)
        expect(sample.min() >= 0 and sample.max() <= 1, checked, "inputs' range", "[0, 1]",
               [float(sample.min()), float(sample.max())],
               "divide the pixels by 255" if sample.max() > 1 else None, inputs)
        assert_close(rows, sample, checked=checked, inputs=inputs, rtol=1e-6, atol=1e-6,
                     what=f"inputs[{ROWS[0]}:{ROWS[-1] + 1}] (the first images)")
        sums = pixel_sums(ctx.data_dir, prefix)
        assert_close(sums, x.get("row_sums"), checked=checked, inputs=inputs, rtol=1e-5,
                     atol=1e-3, what="every image's sum of pixels",
                     mistakes={"divide the pixels by 255": sums * 255})
        got_labels = y.get("array")
        kind = (f"{tuple(got_labels.shape)} {got_labels.dtype}"
                if isinstance(got_labels, np.ndarray) else y["type"])
        expect(kind == f"({n},) uint8", checked, "labels' shape and dtype", f"({n},) uint8",
               kind, "the 8-byte header of the labels file must be skipped"
               if y.get("shape") != [n] else "keep the labels as uint8", inputs)
        if subset == "train":
            assert_close(FIRST_TRAIN_LABELS, got_labels[:10], checked=checked, inputs=inputs,
                         what="the first ten labels", atol=0)
        assert_close(labels, got_labels, checked=checked, inputs=inputs, atol=0,
                     what="every label, in the files' order",
                     mistakes={"the labels are not in the files' order":
                               np.sort(labels, kind="stable")})


def pixel_sums(data_dir, prefix):
    """Each image's sum of pixels in [0, 1] (float64), read from the .gz file."""
    with gzip.open(data_dir / "mnist" / f"{prefix}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return images.reshape(-1, 784).sum(axis=1, dtype=np.float64) / 255.0
