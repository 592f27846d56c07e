"""Notebook blocks earned by values, not by printed text (the full grade only).

The Expected Output blocks are public, so what a cell prints in the student's kernel proves
nothing. In the full grade each graded cell also reports the values it computed
(cells/values.toml says which), and runs a second time with hidden seeds; the reference
notebook runs the same way in a kernel of its own, on the trusted side, and a block passes
only when its text passes and every value, in both runs, equals the reference's.

The kernel's answers are untrusted bytes: JSON holding .npy arrays, read with
protocol.wire (no pickles, numeric dtypes only); anything else costs only its block.
"""
import ast
import base64
import binascii
import hashlib
import json
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from ..compat import tomllib

from ..host import capacity
from ..protocol.wire import WireError, array_from_npy
from .blocks import find_blocks
from .deps import dependencies

SPEC = Path(__file__).with_name("cells") / "values.toml"
# The kernel's half (it runs student code): read as text and run there, never imported here.
PROBE = Path(__file__).resolve().parent.parent / "guest" / "cells.py"
PROBE_CALL = "_beras_values"
MAX_REPLY = 32 << 20  # characters of one answer: the data cell's sums take about 2 MB
RTOL, ATOL = 1e-5, 1e-8
_SEED = re.compile(r"\bdefault_rng\(\s*(\d+)\s*\)")


@dataclass(frozen=True)
class Plan:
    """What a run reads besides the printed text."""
    probes: dict = field(default_factory=dict)  # code cell index -> expressions read after it
    hidden: dict = field(default_factory=dict)  # code cell index -> its source, hidden seeds


def load_spec(path: Path = SPEC) -> dict:
    """{block title: {"values": [...], "rtol": ..., "atol": ...}}"""
    return tomllib.loads(Path(path).read_text())


def grader_secret(code_dir: Path, reference_dir: Path) -> int:
    """The hidden seeds' secret, unless BERAS_NOTEBOOK_SEED fixes it (to reproduce a grade).

    A hash of the reference (never in the handout, hidden from the guest) and of the
    submission's code: the same submission always gets the same grade, and hidden values
    learned from one submission's feedback are useless to any other."""
    fixed = os.environ.get("BERAS_NOTEBOOK_SEED")
    if fixed:
        return int(fixed)
    digest = hashlib.sha256()
    for root in (Path(reference_dir), Path(code_dir)):
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return int.from_bytes(digest.digest()[:4], "little")


def hidden_seed(secret: int, seed: int) -> int:
    digest = hashlib.sha256(f"beras-notebook:{secret}:{seed}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def hide_seeds(source: str, secret: int) -> str:
    """`source` with every default_rng(<integer>) seeded from the secret instead."""
    return _SEED.sub(lambda m: f"default_rng({hidden_seed(secret, int(m.group(1)))})", source)


def make_plan(nb, secret: int, spec: dict) -> Plan:
    """Read the spec's values after their cells; rerun, with hidden seeds, every code cell
    that seeds a generator and every cell that uses a name one of those binds."""
    probes = {b.code_cell: list(spec[b.title]["values"]) for b in find_blocks(nb)
              if b.title in spec}
    code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    deps = dependencies([nb.cells[i].source for i in code_cells])
    rerun = []
    for position, index in enumerate(code_cells):
        source = nb.cells[index].source
        if _SEED.search(source) or any(code_cells[j] in rerun for j in deps[position].values()):
            rerun.append(index)
    return Plan(probes, {i: hide_seeds(nb.cells[i].source, secret) for i in rerun})


def probe_request(expressions) -> dict:
    """The user expression that asks the kernel for these values."""
    return {"values": f"{PROBE_CALL}({list(expressions)!r})"}


def read_values(expressions, reply) -> dict:
    """{expression: plain ndarray, or why it has none} from a kernel's execute_reply
    content (untrusted: any shape of garbage gives reasons, never an exception)."""
    try:
        answer = reply["user_expressions"]["values"]
        if answer.get("status") != "ok":
            why = f"{answer.get('ename', 'error')}: {answer.get('evalue', '')}"[:300]
            return dict.fromkeys(expressions, f"the values could not be read ({why})")
        text = answer["data"]["text/plain"]
        if not isinstance(text, str) or len(text) > MAX_REPLY:
            raise ValueError("answer too large")
        raw = json.loads(ast.literal_eval(text))
        if not isinstance(raw, dict):
            raise ValueError("not a table")
    except Exception:  # noqa: BLE001 - garbage from the kernel
        return dict.fromkeys(expressions, "the kernel's answer was not values")
    out = {}
    for expression in expressions:
        item = raw.get(expression)
        if isinstance(item, dict) and isinstance(item.get("npy"), str):
            try:
                out[expression] = array_from_npy(base64.b64decode(item["npy"], validate=True))
            except (WireError, binascii.Error, ValueError) as e:
                out[expression] = f"not a valid array ({e})"
        elif isinstance(item, dict) and isinstance(item.get("error"), str):
            out[expression] = item["error"][:300]
        else:
            out[expression] = "missing from the kernel's answer"
    return out


def compare(expression: str, got, want: np.ndarray, rtol: float, atol: float) -> str:
    """'' when `got` matches the reference's `want`, else one line saying how it does not."""
    if isinstance(got, str):
        return f"`{expression}` has no value: {got}"
    if got.shape != want.shape:
        return f"`{expression}` has shape {got.shape}; the reference's has shape {want.shape}"
    g, w = got.astype(np.float64), want.astype(np.float64)
    ok = np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    if ok.all():
        return ""
    at = np.unravel_index(int(np.argmin(ok)), ok.shape) if ok.ndim else ()
    where = f" at {list(map(int, at))}" if at else ""
    return (f"`{expression}` differs from the reference's{where}: {float(g[at]):.8g} "
            f"instead of {float(w[at]):.8g} ({int((~ok).sum())} of {ok.size} entries differ)")


def block_problem(spec: dict, cell: int, plan: Plan, student, reference) -> str:
    """Why a block whose text passed still fails on its values, or ''.

    student, reference: (runs, hidden runs) of execute_with_values.
    """
    expressions = plan.probes[cell]
    rtol, atol = spec.get("rtol", RTOL), spec.get("atol", ATOL)
    passes = [("", student[0][cell], reference[0].get(cell))]
    if cell in plan.hidden:
        passes.append(("hidden", student[1].get(cell), reference[1].get(cell)))
    for kind, mine, ref in passes:
        if ref is None or ref.status != "ok":
            print(f"grader error: the reference failed the {kind or 'public'} run of notebook "
                  f"cell {cell}: {ref and (ref.error or ref.status)}", file=sys.stderr)
            continue  # a kit bug must not cost the student: the text decides
        if mine is None or mine.status != "ok":
            why = "it did not run" if mine is None else (mine.error or mine.status)
            return ("failed with hidden inputs: run again with the grader's own seeds, the "
                    f"cell did not complete ({why.splitlines()[0] if why else 'no reason'})")
        for expression in expressions:
            want = ref.values.get(expression)
            if not isinstance(want, np.ndarray):
                print(f"grader error: the reference has no value for `{expression}`: {want}",
                      file=sys.stderr)
                continue
            why = compare(expression, mine.values.get(expression, "not read"), want, rtol, atol)
            if why and kind:
                return ("wrong with hidden inputs: the grader ran this cell again with seeds "
                        f"of its own, and {why}. An answer that holds only for the notebook's "
                        "own inputs earns nothing.")
            if why:
                return (f"the printed text matches, but the values do not: {why}. A block "
                        "is earned by what the cell computes, not by what it prints.")
    return ""


_REFERENCE_RUNS: dict = {}  # (notebook, reference folder, secret) -> (runs, hidden runs)


def run_judged(notebook: Path, code_dir: Path, data_dir: Path, reference_dir: Path, *,
               cell_timeout: float, launcher=(), spec: dict | None = None,
               secret: int | None = None, budget=None):
    """Run the notebook against the submission (confined by `launcher`) and against the
    reference (in a plain kernel: it is trusted), side by side where memory allows, else
    one after the other; one BlockOutcome per block,
    each passing only when its text and its values pass."""
    from .runner import BlockOutcome, execute_with_values, grade

    spec = load_spec() if spec is None else spec
    secret = grader_secret(code_dir, reference_dir) if secret is None else secret
    nb = nbformat.read(notebook, as_version=4)
    plan = make_plan(nb, secret, spec)
    key = (str(Path(notebook).resolve()), Path(notebook).stat().st_mtime_ns,
           str(Path(reference_dir).resolve()), secret)
    # Two kernels hold MNIST at once only where the container has the memory for it.
    beside = capacity.current().lanes > 1
    with ThreadPoolExecutor(1) as pool:
        def reference_run():
            return execute_with_values(nbformat.read(notebook, as_version=4), reference_dir,
                                       data_dir, plan, cell_timeout=cell_timeout)
        pending = pool.submit(reference_run) if beside and key not in _REFERENCE_RUNS else None
        student = execute_with_values(nb, code_dir, data_dir, plan, cell_timeout=cell_timeout,
                                      launcher=launcher, budget=budget)
        if key not in _REFERENCE_RUNS:
            try:
                _REFERENCE_RUNS[key] = pending.result() if pending else reference_run()
            except Exception as e:  # noqa: BLE001 - a kit bug must not cost the student
                print(f"grader error: the reference notebook could not run: "
                      f"{type(e).__name__}: {e}", file=sys.stderr)
    reference = _REFERENCE_RUNS.get(key, ({}, {}))
    outcomes = []
    for block, outcome in zip(find_blocks(nb), grade(nb, student[0], cell_timeout=cell_timeout)):
        if outcome.passed and block.code_cell in plan.probes:
            problem = block_problem(spec.get(block.title, {}), block.code_cell, plan, student,
                                    reference)
            if problem:
                outcome = BlockOutcome(outcome.number, outcome.title, False, problem)
        outcomes.append(outcome)
    return outcomes
