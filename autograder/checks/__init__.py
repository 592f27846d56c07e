"""Checks, one per rubric item id, registered with @check.

A check receives a Context and either returns (full marks, or a fraction for partial
credit) or raises CheckFailed. Files are split by who may see them: everything here
ships in the student handout except `reference.py` (the hidden differential items).
"""
from dataclasses import dataclass
from pathlib import Path

REGISTRY = {}
HIDDEN_MODULES = ("reference",)


@dataclass
class Context:
    """What a check works with.

    student: operations on the submission, in a confined worker child.
    reference: the same operations on the reference solution (None in the handout).
    data_dir: the kit's data folder (MNIST under data_dir/"mnist").
    examples: how many hypothesis examples a property test draws.
    """
    item: object
    student: object
    reference: object | None
    data_dir: Path
    examples: int = 25


def check(item_id: str):
    def register(fn):
        if item_id in REGISTRY:
            raise ValueError(f"two checks for {item_id}")
        REGISTRY[item_id] = fn
        return fn
    return register


def load_all(include_hidden: bool = True):
    """Import every check module, so that the registry is full."""
    import importlib
    import pkgutil
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name in ("strategies", "properties", "numeric"):
            continue
        if info.name in HIDDEN_MODULES and not include_hidden:
            continue
        try:
            importlib.import_module(f"{__name__}.{info.name}")
        except ModuleNotFoundError:  # the handout ships without the hidden modules
            if info.name not in HIDDEN_MODULES:
                raise
    return REGISTRY
