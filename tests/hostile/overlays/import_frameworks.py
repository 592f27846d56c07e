# target: Beras/layers.py
# Dense is written with TensorFlow and the model with PyTorch: neither may be imported.
import tensorflow as tf  # noqa: F401
# target: assignment.py
import torch  # noqa: F401
