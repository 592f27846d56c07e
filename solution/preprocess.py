import gzip
from pathlib import Path

import numpy as np

MNIST_FILES = {  # subset -> (images file, labels file) in {data_path}/mnist/
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def get_data_MNIST(subset, data_path="../data"):
    """Reads the MNIST training or testing set (http://yann.lecun.com/exdb/mnist/).

    The files are gzipped IDX files: the images file has a 16-byte header followed by
    one unsigned byte per pixel (28 x 28 per image); the labels file has an 8-byte
    header followed by one unsigned byte per label.

    Args:
        subset: "train" (60000 examples) or "test" (10000 examples).
        data_path: the folder that holds mnist/.

    Returns:
        (inputs, labels): (N, 784) float32 inputs scaled to [0, 1] and (N,) uint8
        labels.

    Raises:
        ValueError: subset is neither "train" nor "test".
        FileNotFoundError: a data file is missing (run `make setup` to fetch MNIST).
    """
    if subset not in MNIST_FILES:
        raise ValueError(f'subset must be "train" or "test", got {subset!r}')
    images_path, labels_path = (Path(data_path) / "mnist" / f for f in MNIST_FILES[subset])
    for path in (images_path, labels_path):
        if not path.is_file():
            raise FileNotFoundError(
                f"MNIST file {path} is missing: run `make setup` in the repository root")
    # BEGIN SOLUTION
    with gzip.open(images_path) as f:
        pixels = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    with gzip.open(labels_path) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8).copy()  # writable
    inputs = pixels.reshape(-1, 784).astype(np.float32) / 255
    # END SOLUTION
    """ # BEGIN PROMPT
    ## TODO: read both gzipped files (skip their headers), then flatten each image to
    ## 784 float32 values in [0, 1]; the labels stay uint8
    inputs = None
    labels = None
    """ # END PROMPT
    return inputs, labels
