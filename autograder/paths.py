"""Where the kit keeps things. In the student handout, SOLUTION does not exist."""
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
SOLUTION = KIT / "solution"
DATA = KIT / "data"
NOTEBOOK_NAME = "HW2_Beras_Intro.ipynb"
NOTEBOOK = SOLUTION / NOTEBOOK_NAME
