"""Run a notebook against a code folder and grade each Expected Output block.

One kernel runs the whole notebook, top to bottom, in a working copy of the code folder
whose `../data` is the kit's data, as in a student's checkout. Errors do not stop the
run. A block fails when its code cell:
- raised, or timed out (the kernel is interrupted and the run goes on);
- uses a name from an earlier cell that failed (dependencies are read from the code);
- never ran, because the kernel died (or hung past a timeout) earlier: nothing after
  that point is ever counted as passed;
- never ran, or was stopped, because the whole run's time budget ran out;
- printed something that differs from the block (compare.py);
- in the full grade, computed values other than the reference's (values.py).
"""
import asyncio
import atexit
import os
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from queue import Empty

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell
from traitlets import List, Unicode

from .blocks import find_blocks
from .compare import compare_outputs
from .deps import dependencies
from .values import PROBE, Plan, probe_request, read_values

KERNEL_ENV = {
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # silences debugpy's start-up warning
    "MALLOC_ARENA_MAX": "2",  # the kernel's dozen threads would each reserve 64 MB (RLIMIT_AS)
}
INTERRUPT_GRACE = 5.0  # seconds a timed-out cell gets to stop after an interrupt
TIMED_OUT = {"ename": "CellTimeoutError", "evalue": "", "traceback": []}
TRACEBACK_FRAMES = 6  # frames of a traceback shown in feedback
OUTPUT_CAP = 256 * 1024  # bytes of output kept per cell: a submission may print 300 MB
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class BlockOutcome:
    number: int  # the Expected Output block, 1-based
    title: str  # the nearest markdown heading above it
    passed: bool
    feedback: str


@dataclass(frozen=True)
class CellRun:
    """What happened to one code cell."""
    status: str  # "ok", "error", "timeout", "dead", "stuck" (hung past a timeout) or "not run"
    output: str = ""  # what it printed: stdout, then results and displays as text
    error: str = ""  # for "error": the exception and the end of its traceback
    cause: int | None = None  # for "not run": the cell after which the kernel was gone
    values: dict = field(default_factory=dict)  # expression -> ndarray, or why it has none
    limit: float | None = None  # for "timeout" and "stuck": the seconds the cell had


@dataclass(frozen=True)
class Budget:
    """What the whole run may take: `seconds` from its start, and the reason given for
    the cells it leaves out or stops (e.g. "the grade's time budget ran out")."""
    seconds: float
    reason: str = "the notebook's time budget ran out"


class LaunchedKernelManager(AsyncKernelManager):
    """Starts this Python's ipykernel, prefixed by `launcher` (e.g. a sandbox wrapper)."""

    launcher = List(Unicode())

    def format_kernel_cmd(self, extra_arguments=None):
        return [*self.launcher, sys.executable, "-m", "ipykernel_launcher",
                "-f", os.path.realpath(self.connection_file), *(extra_arguments or [])]


class CappedClient(NotebookClient):
    """Keeps at most OUTPUT_CAP bytes of each cell's outputs and counts what it drops;
    errors are always kept, since they decide the cell's fate."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept, self.dropped = {}, {}

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        text = content.get("text") if msg["msg_type"] == "stream" else None
        size = len(text) if text is not None else len(str(content))
        room = OUTPUT_CAP - self.kept.get(cell_index, 0)
        if msg["msg_type"] != "error" and size > room:
            if text is None or room <= 0:
                self.dropped[cell_index] = self.dropped.get(cell_index, 0) + size
                return None
            # one stream message may hold everything a cell printed: keep its head
            msg = {**msg, "content": {**content, "text": text[:room]}}
            self.dropped[cell_index] = self.dropped.get(cell_index, 0) + size - room
            size = room
        self.kept[cell_index] = self.kept.get(cell_index, 0) + size
        return super().output(outs, msg, display_id, cell_index)

    def dropped_note(self, cell_index) -> str:
        n = self.dropped.get(cell_index, 0)
        return f"\n[... {n} more bytes of output dropped]" if n else ""


def run_notebook(notebook: Path, code_dir: Path, data_dir: Path, *, cell_timeout: float = 60,
                 launcher=(), budget: Budget | None = None) -> list[BlockOutcome]:
    """Execute `notebook` against `code_dir` and grade every Expected Output block.

    Args:
        notebook: the .ipynb to run (the kit's notebook, not the student's).
        code_dir: the folder holding Beras/, assignment.py and preprocess.py.
        data_dir: the folder the code sees as ../data (holding mnist/).
        cell_timeout: seconds each cell may run.
        launcher: command prefix for the kernel, e.g. a privilege-dropping wrapper.
        budget: seconds for the whole run, the kernel's start included (default: none),
            and what to say of the cells it leaves out.

    Returns:
        One BlockOutcome per block, in notebook order.
    """
    nb = nbformat.read(notebook, as_version=4)
    runs = execute(nb, code_dir, data_dir, cell_timeout=cell_timeout, launcher=launcher,
                   budget=budget)
    return grade(nb, runs, cell_timeout=cell_timeout)


def execute(nb, code_dir: Path, data_dir: Path, *, cell_timeout: float = 60,
            launcher=(), budget: Budget | None = None) -> dict[int, CellRun]:
    """Run every code cell of `nb` in one kernel; {cell index: CellRun}."""
    return execute_with_values(nb, code_dir, data_dir, Plan(), cell_timeout=cell_timeout,
                               launcher=launcher, budget=budget)[0]


def execute_with_values(nb, code_dir: Path, data_dir: Path, plan: Plan, *,
                        cell_timeout: float = 60, launcher=(), budget: Budget | None = None):
    """Like `execute`, and read the values `plan` names after their cells, then rerun its
    hidden cells in the same kernel: ({cell index: CellRun}, {cell index: hidden CellRun})."""
    with working_copy(code_dir, data_dir) as cwd:
        return asyncio.run(_execute(nb, cwd, cell_timeout, list(launcher), plan, budget))


@contextmanager
def working_copy(code_dir: Path, data_dir: Path):
    """A temporary `code/` copy of code_dir beside a `data` link to data_dir; yields code/."""
    with tempfile.TemporaryDirectory(prefix="beras-notebook-") as tmp:
        root = Path(tmp)
        code = root / "code"
        shutil.copytree(code_dir, code, symlinks=True, ignore=shutil.ignore_patterns(
            "__pycache__", "*.pyc", ".ipynb_checkpoints", ".git"))
        (root / "data").symlink_to(Path(data_dir).resolve(), target_is_directory=True)
        yield code


async def _execute(nb, cwd: Path, cell_timeout: float, launcher: list, plan: Plan,
                   budget: Budget | None):
    code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    clock = asyncio.get_running_loop().time
    end = clock() + (budget.seconds if budget else float("inf"))
    left = lambda: end - clock()  # noqa: E731
    limit = [cell_timeout]  # the running cell's seconds: its timeout, or what the budget leaves
    # ipc: unix sockets beside the working copy, which work without a network too
    km = LaunchedKernelManager(kernel_name="python3", launcher=launcher, transport="ipc",
                               connection_file=str(cwd.parent / "kernel.json"),
                               ip=str(cwd.parent / "kernel-ipc"))
    replies: dict[int, dict] = {}  # cell index -> the kernel's execute_reply

    def keep_reply(cell, cell_index, execute_reply):
        replies[cell_index] = execute_reply

    # On a timeout, nbclient interrupts the kernel and hands back TIMED_OUT as the reply.
    client = CappedClient(nb, km=km, allow_errors=True,
                            timeout_func=lambda _: limit[0],
                            interrupt_on_timeout=True, error_on_timeout=TIMED_OUT,
                            iopub_timeout=max(1, min(4, int(cell_timeout))),
                            startup_timeout=max(1, int(min(60, left()))),
                            on_cell_executed=keep_reply, shutdown_kernel="immediate",
                            kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    runs: dict[int, CellRun] = {}
    hidden: dict[int, CellRun] = {}
    gone_after = None  # the cell after which the kernel was dead or stopped
    try:
        async with client.async_setup_kernel(cleanup_kc=True, env={**os.environ, **KERNEL_ENV}):
            if plan.probes:
                await _ask(client, PROBE.read_text(), {}, cell_timeout)
            for index in code_cells:
                if gone_after is not None:
                    runs[index] = CellRun("not run", cause=gone_after)
                    continue
                limit[0] = min(cell_timeout, left())
                if limit[0] < min(cell_timeout, 0.5):
                    runs[index] = CellRun("not run", error=budget.reason)
                    continue
                run = await _run_probed(client, index, replies, limit[0], plan)
                if run.status in ("dead", "stuck"):
                    gone_after = index
                if run.status in ("timeout", "stuck") and limit[0] < cell_timeout:
                    # stopped by the budget, not by its own timeout
                    run = CellRun("not run", run.output, error=budget.reason)
                runs[index] = run
            # the hidden run: the same kernel, the cells again with seeds of the grader's
            for index, source in plan.hidden.items():
                if gone_after is not None or runs[index].status != "ok":
                    hidden[index] = CellRun("not run", error="it failed in the notebook's own run"
                                            if gone_after is None else "the kernel was gone")
                    continue
                limit[0] = min(cell_timeout, left())
                if limit[0] < min(cell_timeout, 0.5):
                    hidden[index] = CellRun("not run", error=budget.reason)
                    continue
                client.nb.cells.append(new_code_cell(source))
                scratch = len(client.nb.cells) - 1
                try:
                    run = await _run_probed(client, scratch, replies, limit[0], plan,
                                            probes=plan.probes.get(index))
                finally:
                    client.nb.cells.pop()
                    client.kept.pop(scratch, None)
                    client.dropped.pop(scratch, None)
                hidden[index] = replace(run, output="")
                if run.status in ("dead", "stuck"):
                    gone_after = index
    except Exception as exc:  # the kernel failed to start (or to shut down)
        atexit.unregister(client._cleanup_kernel)  # nbclient's, now moot
        reason = f"the notebook kernel failed: {type(exc).__name__}: {exc}"
        for index in code_cells:
            runs.setdefault(index, CellRun("not run", error=reason))
        for index in plan.hidden:
            hidden.setdefault(index, CellRun("not run", error=reason))
    return runs, hidden


async def _run_probed(client, index: int, replies: dict, cell_timeout: float, plan: Plan,
                      probes=None) -> CellRun:
    """Run a cell; if it ran and the plan reads values after it, read them."""
    run = await _run_cell(client, index, replies, cell_timeout)
    probes = plan.probes.get(index) if probes is None else probes
    if run.status != "ok" or not probes:
        return run
    reply = await _ask(client, "", probe_request(probes), cell_timeout)
    if reply is None:  # the values hung the kernel (a student's __array__, say)
        await client.km.interrupt_kernel()
        if await _responds(client, min(INTERRUPT_GRACE, cell_timeout)):
            return replace(run, values=dict.fromkeys(probes, "reading it timed out"))
        await client.km.shutdown_kernel(now=True)
        return CellRun("stuck", run.output, "reading the cell's values timed out")
    return replace(run, values=read_values(probes, reply))


async def _ask(client, code: str, expressions: dict, seconds: float) -> dict | None:
    """Execute `code` silently (no output, no history) and evaluate `expressions`;
    the reply's content, or None if none came within `seconds`."""
    msg_id = client.kc.execute(code, silent=True, store_history=False,
                               user_expressions=expressions, allow_stdin=False)
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            msg = await client.kc.shell_channel.get_msg(timeout=left)
        except Empty:
            return None
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg["content"]
    return None


async def _run_cell(client: CappedClient, index: int, replies: dict,
                    cell_timeout: float) -> CellRun:
    cell = client.nb.cells[index]
    printed = lambda: cell_output(cell) + client.dropped_note(index)  # noqa: E731
    try:
        await client.async_execute_cell(cell, index)
    except DeadKernelError:
        return CellRun("dead", printed())
    reply = replies.get(index, {}).get("content", {})
    if reply.get("ename") == TIMED_OUT["ename"]:
        if await _responds(client, min(INTERRUPT_GRACE, cell_timeout)):
            return CellRun("timeout", printed(), limit=cell_timeout)
        await client.km.shutdown_kernel(now=True)
        return CellRun("stuck", printed(), limit=cell_timeout)
    errors = [out for out in cell.outputs if out.output_type == "error"]
    if errors:
        return CellRun("error", printed(), _describe_error(errors[0], client))
    return CellRun("ok", printed())


async def _responds(client: NotebookClient, seconds: float) -> bool:
    """Whether the kernel answers a no-op within `seconds` (it queues behind a busy cell)."""
    msg_id = client.kc.execute("", store_history=False)
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            msg = await client.kc.shell_channel.get_msg(timeout=left)
        except Empty:
            return False
        if msg["parent_header"].get("msg_id") == msg_id:
            return True
    return False


def cell_output(cell) -> str:
    """What a code cell showed: its stdout, and its results and displays as plain text."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream" and out.name == "stdout":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(out.data.get("text/plain", "") + "\n")
    return "".join(parts)


def _describe_error(error, client: NotebookClient) -> str:
    """The exception, then each frame in the notebook or the submission with its failing
    line (frames inside numpy or Python itself are left out), without colours."""
    code_dir = client.resources["metadata"]["path"] + "/"
    frames = []
    for frame in error.traceback[1:-1]:  # between the banner and the final message
        frame_lines = _ANSI.sub("", frame).splitlines()
        where = frame_lines[0] if frame_lines else ""
        if where.startswith("Cell In") or code_dir in where:
            failing = next((line for line in frame_lines if line.lstrip().startswith("-")), "")
            frames += [f"  {where.replace(code_dir, '')}", f"    {failing.strip()}"]
    where = ["Raised here:", *frames[-2 * TRACEBACK_FRAMES:]] if frames else []
    return "\n".join([f"{error.ename}: {error.evalue}", *where])


def grade(nb, runs: dict[int, CellRun], *, cell_timeout: float = 60) -> list[BlockOutcome]:
    """One outcome per Expected Output block, from the runs of the code cells."""
    blocks = find_blocks(nb)
    code_cells = sorted(runs)
    graded_by = {block.code_cell: block for block in blocks}
    deps = dependencies([nb.cells[i].source for i in code_cells])  # by position in code_cells
    uses = {index: {var: code_cells[j] for var, j in d.items()}
            for index, d in zip(code_cells, deps)}

    def name(index: int) -> str:
        block = graded_by.get(index)
        if block:
            return f"the cell of block {block.number} ({block.title})"
        return f"code cell {code_cells.index(index) + 1}"

    problem: dict[int, str] = {}  # code cell -> why its output cannot be trusted
    for index in code_cells:
        failed = [(var, cell) for var, cell in uses[index].items() if problem[cell]]
        problem[index] = _own_problem(runs[index], cell_timeout, name)
        if failed and runs[index].status != "not run":  # the root cause comes first
            var, cell = failed[0]
            problem[index] = f"not graded: this cell uses `{var}` from {name(cell)}, which failed"
    outcomes = []
    for block in blocks:
        if problem[block.code_cell]:
            outcomes.append(BlockOutcome(block.number, block.title, False,
                                         problem[block.code_cell]))
        else:
            # far longer than the block cannot match; a cut keeps the comparison quick
            output = runs[block.code_cell].output[:10 * len(block.expected) + 10_000]
            result = compare_outputs(block.expected, output)
            outcomes.append(BlockOutcome(block.number, block.title, result.passed,
                                         result.feedback))
    return outcomes


def _own_problem(run: CellRun, cell_timeout: float, name) -> str:
    """Why a cell's output cannot be graded, first line short (reports show it alone)."""
    if run.status == "error":
        return run.error
    limit = run.limit if run.limit is not None else cell_timeout
    if run.status == "timeout":
        return f"timed out: the cell ran longer than {limit:g} s and was interrupted"
    if run.status == "dead":
        return "the kernel died in this cell (a crash, or out of memory)"
    if run.status == "stuck":
        return (f"timed out: the cell ran longer than {limit:g} s and ignored the "
                "interrupt, so the kernel was stopped")
    if run.status == "not run":
        if run.cause is None:
            return f"not run: {run.error}"
        return f"not run: the kernel was gone after {name(run.cause)}"
    return ""
