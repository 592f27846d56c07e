"""The one module that knows the machine's limits: read the container's, make cgroups.

`container()` is what this process may use: CPUs (the cgroup's CPU quota, the affinity
mask, the machine) and memory (the cgroup's limit, the machine's RAM), from cgroup v2 or
v1, whichever the machine mounts. `Cgroup` makes a child group with a CPU quota, a
memory limit and a pid limit (root only), runs processes in it, and reports their peak
memory and OOM kills. Gradescope's defaults are `GRADESCOPE`.

    python -m autograder.host.limits show
    python -m autograder.host.limits run --cpus 0.5 --memory 768M [--pids N] [--report F] -- CMD…
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
MiB = 1 << 20
UNLIMITED_V1 = 1 << 62  # v1 reports "no limit" as a huge page-rounded number


@dataclass(frozen=True)
class Limits:
    """What a process tree may use. cpus: fractional CPUs; memory: bytes (None: unknown)."""
    cpus: float
    memory: int | None

    def describe(self) -> str:
        mem = f"{self.memory / MiB:.0f} MB" if self.memory else "unknown memory"
        return f"{self.cpus:g} CPU, {mem}"


GRADESCOPE = Limits(cpus=0.5, memory=768 * MiB)


def parse_size(text: str) -> int:
    """'768M', '1.5G', '800000000' -> bytes."""
    text = text.strip().upper().removesuffix("B")
    factor = {"K": 1 << 10, "M": MiB, "G": 1 << 30}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * factor)


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def own_groups(proc_cgroup: str | None = None) -> dict:
    """controller -> this process's group path; '' is the v2 (unified) group."""
    text = proc_cgroup if proc_cgroup is not None else (_read(Path("/proc/self/cgroup")) or "")
    groups = {}
    for line in text.splitlines():
        _, controllers, path = line.split(":", 2)
        for name in (controllers.split(",") if controllers else [""]):
            groups[name] = path
    return groups


def version(root: Path = ROOT) -> int:
    """2 where the cgroup root is a unified hierarchy, 1 where controllers mount apart."""
    return 2 if (root / "cgroup.controllers").exists() else 1


def _ancestors(base: Path, path: str):
    """The group's folder, then each parent's up to the mount: the limit in force is the
    smallest along the way."""
    parts = [p for p in path.split("/") if p]
    for i in range(len(parts), -1, -1):
        folder = base.joinpath(*parts[:i])
        if folder.is_dir():
            yield folder


def cgroup_cpus(root: Path = ROOT, proc_cgroup: str | None = None) -> float | None:
    groups, quotas = own_groups(proc_cgroup), []
    if version(root) == 2:
        for folder in _ancestors(root, groups.get("", "/")):
            fields = (_read(folder / "cpu.max") or "max").split()
            if fields[0] != "max":
                quotas.append(int(fields[0]) / int(fields[1]))
    else:
        base = next((root / n for n in ("cpu", "cpu,cpuacct") if (root / n).is_dir()), None)
        for folder in _ancestors(base, groups.get("cpu", "/")) if base else ():
            quota = int(_read(folder / "cpu.cfs_quota_us") or -1)
            if quota > 0:
                quotas.append(quota / int(_read(folder / "cpu.cfs_period_us") or 100000))
    return min(quotas) if quotas else None


def cgroup_memory(root: Path = ROOT, proc_cgroup: str | None = None) -> int | None:
    groups, limits = own_groups(proc_cgroup), []
    if version(root) == 2:
        for folder in _ancestors(root, groups.get("", "/")):
            value = _read(folder / "memory.max")
            if value and value != "max":
                limits.append(int(value))
    else:
        for folder in _ancestors(root / "memory", groups.get("memory", "/")):
            value = int(_read(folder / "memory.limit_in_bytes") or UNLIMITED_V1)
            if value < UNLIMITED_V1:
                limits.append(value)
    return min(limits) if limits else None


def machine_memory() -> int | None:
    for line in (_read(Path("/proc/meminfo")) or "").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return None


def container(root: Path = ROOT) -> Limits:
    """The CPUs and memory this process tree can actually have."""
    cpus = float(len(os.sched_getaffinity(0)))
    quota = cgroup_cpus(root)
    memory = [m for m in (cgroup_memory(root), machine_memory()) if m]
    return Limits(cpus=min(cpus, quota) if quota else cpus,
                  memory=min(memory) if memory else None)


class Cgroup:
    """A fresh child group (root only) with a CPU quota, memory and pid limits.

    Under cgroup v1 it is one folder per controller (cpu, memory, pids); under v2 one
    folder with those controllers enabled. `remove()` kills what is left and deletes it.
    """
    PERIOD = 100_000

    def __init__(self, cpus: float | None = None, memory: int | None = None,
                 pids: int | None = None, name: str | None = None, root: Path = ROOT):
        self.root, self.v = root, version(root)
        self.name = name or f"beras-{uuid.uuid4().hex[:12]}"
        self.folders = self._folders()
        for folder in self.folders.values():
            folder.mkdir()
        try:
            self._limit(cpus, memory, pids)
        except OSError:
            self.remove()
            raise

    def _folders(self) -> dict:
        """controller -> the group's folder, under this process's own group."""
        groups = own_groups()
        if self.v == 2:
            return {"": self.root / groups.get("", "/").lstrip("/") / self.name}
        return {c: self.root / c / groups.get(c, "/").lstrip("/") / self.name
                for c in ("cpu", "memory", "pids") if (self.root / c).is_dir()}

    @classmethod
    def existing(cls, name: str, root: Path = ROOT) -> "Cgroup | None":
        """The group `name` that an earlier process left (to remove it), else None."""
        group = cls.__new__(cls)
        group.root, group.v, group.name = root, version(root), name
        group.folders = {c: f for c, f in group._folders().items() if f.is_dir()}
        return group if group.folders else None

    def _write(self, controller: str, name: str, value):
        folder = self.folders.get("" if self.v == 2 else controller)
        if folder is not None:
            (folder / name).write_text(str(value))

    def _limit(self, cpus, memory, pids):
        if self.v == 2:
            (self.folders[""].parent / "cgroup.subtree_control").write_text("+cpu +memory +pids")
        if cpus:
            quota = max(int(cpus * self.PERIOD), 1000)
            if self.v == 2:
                self._write("cpu", "cpu.max", f"{quota} {self.PERIOD}")
            else:
                self._write("cpu", "cpu.cfs_period_us", self.PERIOD)
                self._write("cpu", "cpu.cfs_quota_us", quota)
        if memory:
            if self.v == 2:
                self._write("memory", "memory.max", memory)
                self._write("memory", "memory.swap.max", 0)
            else:
                self._write("memory", "memory.limit_in_bytes", memory)
                if (self.folders["memory"] / "memory.memsw.limit_in_bytes").exists():
                    self._write("memory", "memory.memsw.limit_in_bytes", memory)
        if pids:
            self._write("pids", "pids.max", pids)

    def add(self, pid: int = 0):
        """Move `pid` (0: this process) into every folder of the group."""
        for folder in self.folders.values():
            (folder / "cgroup.procs").write_text(str(pid))

    def pids(self) -> list:
        found = set()
        for folder in self.folders.values():
            found.update(int(p) for p in (_read(folder / "cgroup.procs") or "").split())
        return sorted(found)

    def peak_memory(self) -> int | None:
        if self.v == 2:
            value = _read(self.folders[""] / "memory.peak")
        else:
            value = _read(self.folders["memory"] / "memory.max_usage_in_bytes")
        return int(value) if value else None

    def resident(self) -> int | None:
        """What the group's processes hold in memory now, each page once: anonymous memory
        and mapped files (peak_memory also counts the page cache, which the kernel reclaims
        before it kills)."""
        keys = ("anon", "file_mapped") if self.v == 2 else ("total_rss", "total_mapped_file")
        folder = self.folders.get("" if self.v == 2 else "memory")
        text = (_read(folder / "memory.stat") or "") if folder else ""
        stat = dict(line.split() for line in text.splitlines() if line.count(" ") == 1)
        return sum(int(stat[k]) for k in keys) if all(k in stat for k in keys) else None

    def oom_kills(self) -> int:
        name = "memory.events" if self.v == 2 else "memory.oom_control"
        folder = self.folders.get("" if self.v == 2 else "memory")
        for line in (_read(folder / name) or "").splitlines() if folder else ():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def kill(self):
        """SIGKILL every process in the group, until none is left."""
        if self.v == 2 and (self.folders[""] / "cgroup.kill").exists():
            (self.folders[""] / "cgroup.kill").write_text("1")
        for _ in range(100):
            left = self.pids()
            if not left:
                return
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    def remove(self):
        self.kill()
        for folder in self.folders.values():
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # still busy for a moment after the last process exits
                    time.sleep(0.02)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False

    def run(self, cmd: list, **popen) -> subprocess.CompletedProcess:
        """Run `cmd` inside the group and wait for it; `self.peak_resident` is the most
        `resident()` was while it ran (sampled every SAMPLE seconds)."""
        procs = [str(f / "cgroup.procs") for f in self.folders.values()]

        def enter():
            for path in procs:
                with open(path, "w") as f:
                    f.write("0")
        check = popen.pop("check", False)
        if popen.pop("capture_output", False):
            popen.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        done = threading.Event()
        sampler = threading.Thread(target=self._sample, args=(done,), daemon=True)
        with subprocess.Popen(cmd, preexec_fn=enter, **popen) as proc:
            sampler.start()  # only now: preexec_fn forks while no other thread runs
            try:
                out, err = proc.communicate()
            finally:
                done.set()
                sampler.join()
        result = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
        if check:
            result.check_returncode()
        return result

    SAMPLE = 0.1
    peak_resident = None

    def _sample(self, done):
        while True:
            now = self.resident()
            if now is not None and now > (self.peak_resident or 0):
                self.peak_resident = now
            if done.wait(self.SAMPLE):
                return


def can_make_cgroups(root: Path = ROOT) -> str | None:
    """None when this process can make limited child groups, else why it cannot."""
    if os.geteuid() != 0:
        return "not root"
    try:
        Cgroup(cpus=0.5, memory=64 * MiB, pids=8, root=root).remove()
    except OSError as e:
        return f"cannot create a cgroup here ({e.strerror or e})"
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.host.limits")
    sub = parser.add_subparsers(dest="verb", required=True)
    sub.add_parser("show", help="print the CPUs and memory this process can have")
    run = sub.add_parser("run", help="run a command under a CPU quota and memory limit")
    run.add_argument("--cpus", type=float, default=GRADESCOPE.cpus, help="0: no quota")
    run.add_argument("--memory", type=parse_size, default=GRADESCOPE.memory, help="0: no limit")
    run.add_argument("--pids", type=int, default=None)
    run.add_argument("--report", type=Path, help="write wall time, peak memory and OOM kills")
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.verb == "show":
        print(json.dumps({**asdict(container()), "cgroup_version": version(),
                          "can_make_cgroups": can_make_cgroups() or "yes"}))
        return 0
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("run needs a command after --")
    wanted = " and ".join([f"{args.cpus:g} CPU" if args.cpus else "no CPU quota",
                           f"{args.memory // MiB} MB" if args.memory else "no memory limit"])
    why = can_make_cgroups()
    if why:
        print(f"limits: CANNOT enforce {wanted}: {why}; running without any limit",
              file=sys.stderr)
        start = time.monotonic()
        code = subprocess.run(cmd).returncode
        report = {"enforced": False, "why": why, "cpus": args.cpus, "memory": args.memory,
                  "wall_seconds": time.monotonic() - start,
                  "peak_memory": None, "peak_resident": None, "oom_kills": None,
                  "exit_code": code}
    else:
        print(f"limits: enforcing {wanted} with a cgroup (v{version()})", file=sys.stderr)
        with Cgroup(cpus=args.cpus, memory=args.memory, pids=args.pids) as group:
            start = time.monotonic()
            code = group.run(cmd).returncode
            report = {"enforced": True, "cpus": args.cpus, "memory": args.memory,
                      "wall_seconds": time.monotonic() - start,
                      "peak_memory": group.peak_memory(), "peak_resident": group.peak_resident,
                      "oom_kills": group.oom_kills(),
                      "exit_code": code}
    if args.report:
        args.report.write_text(json.dumps(report, indent=1))
    print("limits: " + json.dumps(report), file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
