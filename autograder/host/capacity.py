"""How one grade shares the container it runs in (host/limits.py reads the container).

Lanes run side by side only when there is a core and a lane's memory for each;
otherwise one after the other, so that the training, the MNIST data item and the
notebook's kernel never hold MNIST at the same time. Each guest process (a worker's item
child, the notebook's kernel) may use an equal share of what the grader leaves, enforced
by its address-space limit; the OOM killer, should it still be needed, takes a guest
first and the grader last.
"""
import functools
from dataclasses import dataclass

from .limits import MiB, Limits, container

LANES = 2                     # training; everything else (checks, then the notebook)
LANE_CPUS = 1.0               # a lane keeps one core busy
LANE_MEMORY = 1024 * MiB      # a lane's peak for a plain submission: MNIST, a model, numpy
GRADER_RESERVE = 128 * MiB    # the grader, an idle zygote and the notebook client (~105 MB)
ADDRESS_SLACK = 96 * MiB      # address space a numpy process reserves but never touches
GUEST_MEMORY_CAP = 4096 * MiB  # however large the machine: a runaway fails soon
GUEST_MEMORY_FLOOR = 256 * MiB  # below this nothing could be graded anyway
OOM_KILLED_AT = 0.75          # a guest SIGKILLed at this share of its memory: the OOM killer
GUEST_OOM_SCORE_ADJ = 1000    # the OOM killer's first choice
GRADER_OOM_SCORE_ADJ = -900   # its last: not immune, so a grader leak ends, it does not hang


@dataclass(frozen=True)
class Budget:
    """limits: the container's. lanes: how many run side by side. guest_memory: bytes one
    guest process may use ("used more than N MB"); its RLIMIT_AS adds ADDRESS_SLACK."""
    limits: Limits
    lanes: int
    guest_memory: int

    @property
    def address_space(self) -> int:
        return self.guest_memory + ADDRESS_SLACK

    @property
    def guest_mb(self) -> int:
        return self.guest_memory // MiB

    def describe(self) -> str:
        side = "side by side" if self.lanes > 1 else "one after the other"
        return (f"{self.limits.describe()}: lanes {side}, "
                f"{self.guest_mb} MB per guest process")


def plan(limits: Limits) -> Budget:
    """The budget for a grade in a container with these limits."""
    memory = limits.memory or LANES * LANE_MEMORY + GRADER_RESERVE  # unknown: assume enough
    room = memory >= LANES * LANE_MEMORY + GRADER_RESERVE
    lanes = LANES if limits.cpus >= LANES * LANE_CPUS and room else 1
    share = (memory - GRADER_RESERVE) // lanes
    return Budget(limits, lanes, max(GUEST_MEMORY_FLOOR, min(share, GUEST_MEMORY_CAP)))


@functools.cache
def current() -> Budget:
    """The budget of this grader process, decided once."""
    return plan(container())


def protect_grader() -> bool:
    """Make this grader the OOM killer's last choice, where the kernel lets it (lowering
    needs CAP_SYS_RESOURCE, which Docker drops by default); False where it cannot. The
    guests' GUEST_OOM_SCORE_ADJ makes them the first choice in any case."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write(str(GRADER_OOM_SCORE_ADJ))
        return True
    except OSError:
        return False
