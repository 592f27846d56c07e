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
        for name, summary in (("inputs", x), ("labels", y)):
            expect(summary["type"] == "ndarray", checked, f"type of {name}", "ndarray",
                   summary["type"], "not implemented yet: no array came back"
                   if summary["type"] == "NoneType" else None, inputs)
        expect(x["shape"] == [n, 784], checked, "inputs' shape", (n, 784), tuple(x["shape"]),
               "flatten each 28 × 28 image to 784 values" if x["shape"][:1] == [n] else
               "the 16-byte header of the images file must be skipped, then every image "
               "read" if x["shape"] else None, inputs)
        expect(x["dtype"] == "float32", checked, "inputs' dtype", "float32", x["dtype"],
               "not float32: cast the pixels with .astype(np.float32)", inputs)
        in_range = x["min"] is not None and x["min"] >= 0 and x["max"] <= 1
        expect(in_range, checked, "inputs' range", "[0, 1]", [x["min"], x["max"]],
               "divide the pixels by 255" if (x["max"] or 0) > 1 else None, inputs)
        assert_close(rows, x.get("rows"), checked=checked, inputs=inputs, rtol=1e-6, atol=1e-6,
                     what=f"inputs[{ROWS[0]}:{ROWS[-1] + 1}] (the first images)")
        expect(y["shape"] == [n] and y["dtype"] == "uint8", checked, "labels' shape and dtype",
               f"({n},) uint8", f"{tuple(y['shape'])} {y['dtype']}",
               "the 8-byte header of the labels file must be skipped" if y["shape"] != [n]
               else "keep the labels as uint8", inputs)
        if subset == "train":
            assert_close(FIRST_TRAIN_LABELS, y["first"], checked=checked, inputs=inputs,
                         what="the first ten labels", atol=0)
        assert_close(np.bincount(labels, minlength=10), y["counts"], checked=checked,
                     inputs=inputs, what="how many labels of each digit 0..9", atol=0)
