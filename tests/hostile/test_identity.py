"""One user per grade (host/identity.py): concurrent grader processes never share one,
and nothing a user's grade left survives into the next grade as that user."""
import json
import os
import pwd
import subprocess

import pytest

import planted
from hostile_helpers import KIT, PYTHON
from autograder.host import identity
from autograder.protocol import keyrings

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="only root switches users")
CLAIM = f"""
import sys; sys.path.insert(0, {str(KIT)!r})
from autograder.host import identity
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
