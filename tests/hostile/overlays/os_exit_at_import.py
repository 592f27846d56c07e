# target: Beras/layers.py
# The process ends (os._exit, no cleanup, no exception) as soon as Beras.layers is imported.
import os

os._exit(3)
