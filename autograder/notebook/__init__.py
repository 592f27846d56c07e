"""The notebook part of the grader: run the kit's notebook against a submission's code
and grade each Expected Output block, numbers compared within a tolerance."""
from .blocks import Block, block_titles, find_blocks
from .compare import Comparison, compare_outputs
from .runner import BlockOutcome, run_notebook

__all__ = ["Block", "BlockOutcome", "Comparison", "block_titles", "compare_outputs",
           "find_blocks", "run_notebook"]
