"""Regrade a whole class: `python -m autograder grade-all SUBMISSIONS`.

One `python -m autograder grade` subprocess per submission (a folder or a .zip), several
at a time; each one's results.json is kept in OUT/<name>/, and OUT/gradebook.csv has a
row per submission. See cli.py for the options.
"""
from .cli import add_arguments, run

__all__ = ["add_arguments", "run"]
