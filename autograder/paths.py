"""Where the kit keeps things. In the student handout, SOLUTION does not exist.

BERAS_DATA overrides the data folder (the one holding mnist/). The Gradescope zip sets
it, because its data lives outside /autograder/source, where the worker user can read it.
"""
import os
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
SOLUTION = KIT / "solution"
DATA = Path(os.environ.get("BERAS_DATA") or KIT / "data")
NOTEBOOK_NAME = "HW2_Beras_Intro.ipynb"
NOTEBOOK = SOLUTION / NOTEBOOK_NAME
