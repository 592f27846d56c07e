"""Reading a container's limits (cgroup v1 and v2, on fake trees) and making cgroups (root)."""
import os
import subprocess
import sys

import pytest

from autograder.host import limits
from autograder.host.limits import MiB


def tree(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


V2_SELF = "0::/docker/abc\n"
V1_SELF = "4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n1:pids:/docker/abc\n"


def test_v2_quota_and_memory(tmp_path):
    root = tree(tmp_path, {"cgroup.controllers": "cpu memory pids",
                           "docker/abc/cpu.max": "50000 100000",
                           "docker/abc/memory.max": str(768 * MiB),
                           "docker/cpu.max": "max 100000", "docker/memory.max": "max"})
    assert limits.version(root) == 2
    assert limits.cgroup_cpus(root, V2_SELF) == 0.5
    assert limits.cgroup_memory(root, V2_SELF) == 768 * MiB


def test_v2_the_smallest_ancestor_wins(tmp_path):
    root = tree(tmp_path, {"cgroup.controllers": "cpu memory",
                           "docker/abc/cpu.max": "max 100000",
                           "docker/abc/memory.max": "max",
                           "docker/cpu.max": "150000 100000",
                           "docker/memory.max": str(512 * MiB)})
    assert limits.cgroup_cpus(root, V2_SELF) == 1.5
    assert limits.cgroup_memory(root, V2_SELF) == 512 * MiB


def test_v2_unlimited(tmp_path):
    root = tree(tmp_path, {"cgroup.controllers": "cpu memory",
                           "docker/abc/cpu.max": "max 100000", "docker/abc/memory.max": "max"})
    assert limits.cgroup_cpus(root, V2_SELF) is None
    assert limits.cgroup_memory(root, V2_SELF) is None


def test_v1_quota_and_memory(tmp_path):
    root = tree(tmp_path, {"cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "50000",
                           "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000",
                           "memory/docker/abc/memory.limit_in_bytes": str(768 * MiB),
                           "memory/memory.limit_in_bytes": "9223372036854771712"})
    assert limits.version(root) == 1
    assert limits.cgroup_cpus(root, V1_SELF) == 0.5
    assert limits.cgroup_memory(root, V1_SELF) == 768 * MiB


def test_v1_unlimited(tmp_path):
    root = tree(tmp_path, {"cpu/docker/abc/cpu.cfs_quota_us": "-1",
                           "memory/docker/abc/memory.limit_in_bytes": "9223372036854771712"})
    assert limits.cgroup_cpus(root, "2:cpu:/docker/abc\n4:memory:/docker/abc\n") is None
    assert limits.cgroup_memory(root, V1_SELF) is None


@pytest.mark.parametrize("text,size", [("768M", 768 * MiB), ("1.5G", 3 << 29),
                                       ("800000", 800000), ("64mb", 64 * MiB)])
def test_parse_size(text, size):
    assert limits.parse_size(text) == size


def test_this_machine_reads_sensibly():
    here = limits.container()
    assert 0 < here.cpus <= os.cpu_count()
    assert here.memory is None or here.memory > 32 * MiB


needs_cgroups = pytest.mark.skipif(limits.can_make_cgroups() is not None,
                                   reason=f"cgroups: {limits.can_make_cgroups()}")


@needs_cgroups
def test_a_child_group_limits_what_runs_in_it():
    """Inside a 0.5 CPU / 256 MB group, the process reads those limits as its own, and a
    400 MB allocation is OOM-killed, which the group reports."""
    with limits.Cgroup(cpus=0.5, memory=256 * MiB, pids=32) as group:
        seen = group.run([sys.executable, "-m", "autograder.host.limits", "show"],
                         capture_output=True, text=True, check=True).stdout
        assert '"cpus": 0.5' in seen and f'"memory": {256 * MiB}' in seen
        hog = group.run([sys.executable, "-c",
                         "b = bytearray(400 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1"])
        assert hog.returncode == -9
        assert group.oom_kills() >= 1
        assert group.peak_memory() >= 200 * MiB
    assert all(not f.exists() for f in group.folders.values())


@needs_cgroups
def test_the_resident_peak_counts_what_the_processes_held():
    """A process that holds 100 MB for 2 s: the sampled peak has it, and not the 256 MB
    limit (nor the page cache, which peak_memory also counts)."""
    with limits.Cgroup(memory=256 * MiB) as group:
        group.run([sys.executable, "-c", "import time\nb = bytearray(100 << 20)\n"
                   "for i in range(0, len(b), 4096): b[i] = 1\ntime.sleep(2)"], check=True)
        assert 100 * MiB <= group.peak_resident < 200 * MiB


@needs_cgroups
def test_the_pid_limit_holds_and_removal_kills_what_is_left():
    with limits.Cgroup(pids=4) as group:
        sleeper = group.run([sys.executable, "-c", """
import os, subprocess, sys
kids = []
for _ in range(8):
    try:
        kids.append(subprocess.Popen(["sleep", "60"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    except OSError:
        break
print(len(kids))
os._exit(0)
"""], capture_output=True, text=True)
        assert 0 < int(sleeper.stdout) < 4
        assert group.pids()  # the sleeps outlive their parent, inside the group
    assert all(not f.exists() for f in group.folders.values())
    out = subprocess.run(["pgrep", "-f", "^sleep 60$"], capture_output=True, text=True).stdout
    assert out.strip() == ""
