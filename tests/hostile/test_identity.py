"""One user per grade (host/identity.py): concurrent grader processes never share one,
and nothing a user's grade left survives into the next grade as that user."""
import json
import os
import pwd
import subprocess
from pathlib import Path

import pytest

import planted
from hostile_helpers import KIT, PYTHON
from autograder.host import identity, limits, policy
from autograder.host.supervisor import Guest, install_guest, kernel_launcher
from autograder.protocol import keyrings

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="only root switches users")
CLAIM = f"""
import sys; sys.path.insert(0, {str(KIT)!r})
from autograder.host import identity, limits, policy
from autograder.host.supervisor import Guest, install_guest, kernel_launcher
w = identity.claim()
print(w.uid, flush=True)
sys.stdin.read()
"""


def test_concurrent_grader_processes_get_distinct_users():
    procs = [subprocess.Popen([str(PYTHON), "-c", CLAIM], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(3)]
    try:
        uids = [int(p.stdout.readline()) for p in procs]  # each holds its user meanwhile
    finally:
        for p in procs:
            p.stdin.close()
            p.wait(timeout=60)
    assert len(set(uids)) == 3 and 0 not in uids
    assert all(pwd.getpwuid(u).pw_name.startswith(identity.PREFIX) for u in uids)


def as_user(uid, work) -> dict:
    """work() in a child that is `uid`, in a fresh session keyring as a worker is; its
    JSON-able result."""
    r, w = os.pipe()

    def child():
        os.close(r)
        keyrings.join_fresh_session()
        os.write(w, json.dumps(work()).encode())
    identity._as_user(uid, child)
    os.close(w)
    with os.fdopen(r) as f:
        return json.loads(f.read() or "null")


@pytest.fixture(scope="module")
def worker():
    return identity.claim()


def test_clear_removes_everything_a_user_left(worker):
    uid = worker.uid
    made = as_user(uid, planted.plant)
    assert made["process"] and made["mqueue"]
    assert set(made["files"]) == set(planted.FILES)
    assert {"user", "user session"} <= set(made["keys"])
    assert made["sysv"] == ["shm", "msg", "sem"]
    seen = as_user(uid, planted.look)  # the next process of the user sees it all
    assert set(seen) == {"process", "files", "keys", "sysv", "mqueue"}, seen
    assert identity.clear(uid) == []
    assert as_user(uid, planted.look) == {}
    assert identity.processes_of(uid) == []


def test_a_grade_has_its_own_limited_cgroup_that_its_worker_and_kernel_join(tmp_path):
    """The grade's cgroup is named after its user, has policy.grade_cgroup()'s limits, and
    both a worker and the notebook's kernel run inside it."""
    if limits.can_make_cgroups() is not None:
        pytest.skip(f"no cgroups here: {limits.can_make_cgroups()}")
    conf = policy.confinement()
    folders = {Path(f).parent for f in conf.cgroup}
    assert folders and all(f.name.startswith(identity.PREFIX) for f in folders)
    assert {f.name for f in folders} == {pwd.getpwuid(conf.uid).pw_name}
    wanted = policy.grade_cgroup()
    for folder in folders:
        for name, value in {"pids.max": wanted["pids"],
                            "memory.limit_in_bytes": wanted["memory"],
                            "cpu.cfs_quota_us": int(wanted["cpus"] * 100_000)}.items():
            if (folder / name).exists():
                assert int((folder / name).read_text()) == value, name
    sandbox = tmp_path / "sandbox"
    (sandbox / "code").mkdir(parents=True)
    (sandbox / "code" / "probe.py").write_text(
        "def cgroup():\n    return open('/proc/self/cgroup').read()\n")
    for path in (tmp_path, sandbox, sandbox / "code", sandbox / "code" / "probe.py"):
        path.chmod(0o755)
    install_guest(sandbox)
    guest = Guest(sandbox / "code", sandbox, conf)
    guest.start()
    try:
        with guest.item(timeout=30) as item:
            own = item.func("probe.cgroup")
    finally:
        guest.close()
    assert all(f.name in own for f in folders), own
    (sandbox / "kernel.json").write_text("{}")  # the connection file a kernel would get
    launcher = kernel_launcher(sandbox, conf, cpu_seconds=30)
    kernel = subprocess.run([*launcher, str(PYTHON), "-c",
                             "print(open('/proc/self/cgroup').read())", "-f",
                             str(sandbox / "kernel.json")], capture_output=True, text=True,
                            timeout=120)
    assert all(f.name in kernel.stdout for f in folders), kernel.stdout + kernel.stderr
