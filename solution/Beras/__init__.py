"""Beras: a Keras-like deep learning library in NumPy (CS1470/2470 HW2).

`Beras.Model`, `Beras.GradientTape`, `Beras.Diffable` and the rest of `core` and `model`
are re-exported here; the other modules are imported by name
(`from Beras.layers import Dense`).
"""
from .core import *
from .model import *
