"""How a grade shares its container (host/capacity.py), and what a guest that takes too much
memory costs: its own item, with "used more than N MB", never the grader."""
import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from submissions import guest_sandbox

from autograder.host import capacity, limits, policy
from autograder.host.limits import MiB, Limits
from autograder.host.supervisor import Guest
from autograder.protocol.errors import OutOfMemory, StudentError

ROOT = os.geteuid() == 0
KIT = Path(__file__).resolve().parents[2]
HOG = '''
def alloc(mb):
    """Ask for `mb` MB at once (fails at the address-space limit)."""
    return len(bytearray(mb << 20))

def touch(mb):
    """Really use `mb` MB, page by page (what the OOM killer sees)."""
    b = bytearray(mb << 20)
    for i in range(0, len(b), 4096):
        b[i] = 1
    return len(b)

def lower_oom_score():
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("0")
'''


def test_gradescope_runs_the_lanes_one_after_the_other():
    plan = capacity.plan(limits.GRADESCOPE)
    assert plan.lanes == 1
    assert plan.guest_memory == 768 * MiB - capacity.GRADER_RESERVE
    assert plan.address_space == plan.guest_memory + capacity.ADDRESS_SLACK


def test_two_cores_and_room_for_two_lanes_run_them_side_by_side():
    plan = capacity.plan(Limits(cpus=2, memory=24 << 30))
    assert plan.lanes == 2
    assert plan.guest_memory == capacity.GUEST_MEMORY_CAP  # however large the machine


@pytest.mark.parametrize("cpus,memory", [(2, 768 * MiB), (1.5, 8 << 30), (1, 24 << 30)])
def test_without_a_core_or_the_memory_for_each_lane_they_take_turns(cpus, memory):
    plan = capacity.plan(Limits(cpus=cpus, memory=memory))
    assert plan.lanes == 1
    assert plan.guest_memory == min(memory - capacity.GRADER_RESERVE, capacity.GUEST_MEMORY_CAP)


def test_side_by_side_lanes_share_the_memory():
    memory = 2 * capacity.LANE_MEMORY + capacity.GRADER_RESERVE
    plan = capacity.plan(Limits(cpus=4, memory=memory))
    assert plan.lanes == 2 and plan.guest_memory == capacity.LANE_MEMORY


def test_unknown_memory_and_a_tiny_container():
    assert capacity.plan(Limits(cpus=2, memory=None)).lanes == 2
    assert capacity.plan(Limits(cpus=0.5, memory=200 * MiB)).guest_memory == \
        capacity.GUEST_MEMORY_FLOOR


def test_the_worker_address_space_comes_from_the_container():
    assert policy.confinement().limits["RLIMIT_AS"] == capacity.current().address_space
    assert policy.confinement().memory == capacity.current().guest_memory


@pytest.fixture
def sandbox():
    path = guest_sandbox({"hog": HOG})
    yield path
    shutil.rmtree(path, ignore_errors=True)


def small(confinement, memory):
    """The confinement, with the budget of a container of `memory` bytes at 0.5 CPU."""
    plan = capacity.plan(Limits(cpus=0.5, memory=memory))
    return dataclasses.replace(confinement, memory=plan.guest_memory,
                               limits={**confinement.limits, "RLIMIT_AS": plan.address_space})


def test_too_large_an_allocation_costs_its_item_only(sandbox):
    worker = Guest(sandbox / "code", sandbox, small(policy.confinement(), 384 * MiB))
    try:
        with pytest.raises(OutOfMemory, match="used more than 256 MB") as lost:
            with worker.item(timeout=30) as item:
                item.func("hog.alloc", 1024)
        assert "MemoryError" in lost.value.detail
        with worker.item(timeout=30) as item:  # the next item runs as usual
            assert item.func("hog.touch", 64) == 64 << 20
    finally:
        worker.close()


@pytest.mark.skipif(not ROOT, reason="only root sets a guest's oom_score_adj for good")
def test_guests_are_the_oom_killers_first_choice_for_good(sandbox):
    worker = Guest(sandbox / "code", sandbox, policy.confinement())
    try:
        worker.start()
        assert worker.confinement_report["oom_score_adj"] == capacity.GUEST_OOM_SCORE_ADJ
        with worker.item(timeout=30) as item:
            with pytest.raises(StudentError, match="PermissionError"):
                item.func("hog.lower_oom_score")
    finally:
        worker.close()


def may_lower_oom_score() -> bool:
    """CAP_SYS_RESOURCE (bit 24) in this process's effective capabilities."""
    caps = next(line for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith("CapEff:"))
    return bool(int(caps.split()[1], 16) >> 24 & 1)


def test_the_grader_is_the_oom_killers_last_choice_where_the_kernel_allows():
    out = subprocess.run(
        [sys.executable, "-c", "from autograder.host.capacity import protect_grader; "
         "print(protect_grader(), open('/proc/self/oom_score_adj').read().strip())"],
        cwd=KIT, capture_output=True, text=True, check=True).stdout.split()
    own = Path("/proc/self/oom_score_adj").read_text().strip()
    expected = str(capacity.GRADER_OOM_SCORE_ADJ) if may_lower_oom_score() else own
    assert out == [str(may_lower_oom_score()), expected]


@pytest.mark.skipif(limits.can_make_cgroups() is not None,
                    reason=f"cgroups: {limits.can_make_cgroups()}")
def test_an_oom_kill_costs_its_item_only(sandbox):
    """Inside a 256 MB group, an item that really uses 400 MB is killed by the OOM killer
    (not stopped by its address-space limit, which is off here): its own item says so,
    and the worker grades the next one."""
    confinement = dataclasses.replace(policy.Confinement(namespaces=False),
                                      oom_score_adj=capacity.GUEST_OOM_SCORE_ADJ,
                                      memory=256 * MiB - capacity.GRADER_RESERVE)
    worker = Guest(sandbox / "code", sandbox, confinement)
    with limits.Cgroup(memory=256 * MiB) as group:
        try:
            worker.start()
            group.add(worker.proc.pid)  # its item children are forked inside the group
            with pytest.raises(OutOfMemory, match="used more than 128 MB") as lost:
                with worker.item(timeout=60) as item:
                    item.func("hog.touch", 400)
            assert "killed" in lost.value.detail
            assert group.oom_kills() >= 1
            with worker.item(timeout=30) as item:
                assert item.func("hog.touch", 16) == 16 << 20
        finally:
            worker.close()


def test_a_notebook_cell_out_of_memory_fails_its_own_block(sandbox):
    """The kernel has the same address-space limit as a worker: a cell that asks for more
    fails its block with "used more than N MB"; the next cell still runs."""
    sys.path.insert(0, str(KIT / "tests" / "notebook"))
    from notebook_helpers import write_notebook
    from autograder.grade.notebook_items import grade_notebook
    from autograder.rubric import Item

    data = sandbox / "data"
    data.mkdir()
    notebook = write_notebook(sandbox / "hog.ipynb", [
        ("Hog", "b = bytearray(16 << 30)\nprint(len(b))", str(16 << 30)),
        ("After", "print(1 + 1)", "2")])
    items = [Item(id=f"notebook.{i}", number=f"10.{i}", name=title, points=1,
                  visibility="visible", timeout=60, block=i)
             for i, title in ((1, "Hog"), (2, "After"))]
    results = grade_notebook(items, notebook, sandbox / "code", data)
    hog, after = results["notebook.1"], results["notebook.2"]
    limit = capacity.current().guest_mb
    assert hog.summary == f"used more than {limit} MB" and "MemoryError" in hog.output
    assert after.passed
