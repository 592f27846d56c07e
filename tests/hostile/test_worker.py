"""The worker as a process: what confines it, what a broken item costs, and that nothing
it starts outlives it. These run as whoever runs pytest (root: the dedicated user)."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from submissions import guest_sandbox

from hostile_helpers import KIT, PYTHON, STUDENT, Mode, _processes, ensure_student
from autograder.notebook.runner import execute
from autograder.host.capture import CappedCapture
from autograder.host import policy
from autograder.host.supervisor import StudentError, Guest, GuestLost, kernel_launcher
from autograder.guest import forbidden

ROOT = os.geteuid() == 0
EVIL = '''
import os, stat, struct, time, json

def ok():
    return 1

def fds():
    return [fd for fd in range(3, 64) if _is_pipe(fd)]

def _is_pipe(fd):
    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False

def _send(fd, message):
    header = json.dumps(message).encode()
    os.write(fd, struct.pack("<Q", len(header)) + header + struct.pack("<Q", 0))

def garble():
    for fd in fds():
        try:
            os.write(fd, b"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x05{{{{{" + bytes(8))
        except OSError:
            pass

def parent_pipes(pids=()):
    """The pipes of the processes `pids` (the worker's, as the grader sees them: this
    child's own namespace may number them otherwise) it could open for writing through /proc."""
    opened = []
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            path = f"/proc/{pid}/fd/{fd}"
            try:
                if stat.S_ISFIFO(os.stat(path).st_mode):
                    opened.append(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
    return opened

def forge(pid=1, worker_pids=()):
    """A fake end of item, a fake start of the next (naming `pid`) and a fake answer for
    it, on every pipe this process holds and every pipe of the worker it can open."""
    for fd in fds() + parent_pipes(worker_pids):
        try:
            for message in ({"event": "exit", "reason": "forged"},
                            {"event": "ready", "pid": pid}, {"value": 999}):
                _send(fd, message)
        except OSError:
            pass
    return 0

def daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(120)
        os._exit(0)
    return os.getpid()
'''


@pytest.fixture
def sandbox():
    path = guest_sandbox({"evil": EVIL})
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def worker(sandbox):
    w = Guest(sandbox / "code", sandbox, policy.confinement())
    w.start()
    yield w
    w.close()


def answer(worker, name, timeout=10):
    with worker.item(timeout=timeout) as item:
        return item.func(f"evil.{name}")


def worker_pids(worker) -> list:
    """The process we started and its children (the zygote, when in a PID namespace)."""
    return [worker.proc.pid, *worker._children()]


def descendants() -> list:
    """Live processes below this one (the worker's tree, when it runs)."""
    parents = {pid: ppid for pid, state, ppid, _, _ in _processes() if state != "Z"}
    found, frontier = [], {os.getpid()}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier}
        found += frontier
    return sorted(found)


def cgroup_pids() -> set:
    """The processes in this grade's cgroup (host/identity.py), in every controller."""
    found = [{int(p) for p in Path(f).read_text().split()} for f in policy.confinement().cgroup]
    return set.intersection(*found) if found else set()


def test_confinement_report(worker):
    report = worker.confinement_report
    assert report["no_new_privs"] and report["network_isolated"] and report["pid_namespace"]
    assert report["fresh_keyring"] and report["keys_forbidden"]
    if ROOT:
        assert report["uid"] != 0 and report["kit_hidden"] and report["private_tmp"]
        assert report["uid"] == policy.confinement().uid  # this grade's own user
        assert report["cgroup"] and worker.proc.pid in cgroup_pids()
    with worker.item(timeout=10) as item:
        with pytest.raises(StudentError, match="unreachable"):
            item.func("socket.create_connection", ["1.1.1.1", 53], 2)


@pytest.mark.skipif(not ROOT, reason="the ordinary user's run is checked from root")
def test_confinement_report_as_an_ordinary_user(sandbox):
    ensure_student()
    Mode("user", STUDENT).own(sandbox)
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(KIT)!r})
        from autograder.host.policy import confinement
        from autograder.host.supervisor import Guest
        w = Guest({str(sandbox / 'code')!r}, {str(sandbox)!r}, confinement())
        w.start(); print(w.confinement_report); w.close()""")
    out = subprocess.run([*Mode("user", STUDENT).prefix(), str(PYTHON), "-c", script],
                         capture_output=True, text=True, cwd=sandbox, check=True).stdout
    report = eval(out)  # noqa: S307 - our own dict repr
    assert report["uid"] != 0 and report["no_new_privs"] and not report["kit_hidden"]
    userns = subprocess.run([*Mode("user", STUDENT).prefix(), str(PYTHON), "-c",
                             "import ctypes, sys; sys.exit(ctypes.CDLL(None).unshare("
                             "0x10000000 | 0x40000000 | 0x20000000) != 0)"]).returncode == 0
    assert report["network_isolated"] == report["pid_namespace"] == userns


@pytest.mark.skipif(not ROOT, reason="the ordinary user's run is checked from root")
def test_an_ordinary_users_child_cannot_open_the_zygotes_pipes(sandbox):
    """Without a change of user the zygote would stay dumpable, and a child of the same
    user could open /proc/<zygote>/fd/<control>: it makes itself non-dumpable."""
    ensure_student()
    Mode("user", STUDENT).own(sandbox)
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(KIT)!r})
        from autograder.host.policy import confinement
        from autograder.host.supervisor import Guest
        w = Guest({str(sandbox / 'code')!r}, {str(sandbox)!r}, confinement())
        w.start()
        pids = [w.proc.pid, *w._children()]
        with w.item(timeout=10) as item:
            print(item.func("evil.parent_pipes", pids))
        w.close()""")
    out = subprocess.run([*Mode("user", STUDENT).prefix(), str(PYTHON), "-c", script],
                         capture_output=True, text=True, cwd=sandbox, check=True).stdout
    assert out.strip() == "[]"


def test_kit_is_hidden_from_the_worker_as_root(worker):
    if not ROOT:
        pytest.skip("only root can hide the kit")
    with worker.item(timeout=10) as item:
        assert sorted(item.func("os.listdir", str(KIT))) == sorted(
            p.name for p in (KIT / "data", Path(sys.prefix)) if p.parent == KIT)
        with pytest.raises(StudentError, match="FileNotFoundError|PermissionError"):
            item.func("os.listdir", str(KIT / "solution"))
        # /tmp is private: the sandbox, and the way to the venv and data if they live there
        kept = [worker.sandbox, KIT / "data", Path(sys.prefix)]
        assert sorted(item.func("os.listdir", "/tmp")) == sorted(
            {p.resolve().relative_to("/tmp").parts[0] for p in kept
             if p.resolve().is_relative_to("/tmp")})
        # and nothing beyond the system's own folders, whoever else's copy of the kit
        for elsewhere in ("/root", "/home", "/opt", "/srv", "/var"):
            assert item.func("os.listdir", elsewhere) == []


def test_another_copy_of_the_kit_on_the_machine_is_hidden_too(worker):
    if not ROOT:
        pytest.skip("only root can hide folders")
    copy = Path(tempfile.mkdtemp(prefix="beras-kit-copy-", dir="/opt"))  # visible before
    try:
        (copy / "solution").mkdir()
        (copy / "solution" / "secret.py").write_text("ANSWER = 42\n")
        copy.chmod(0o755)
        with worker.item(timeout=10) as item:
            with pytest.raises(StudentError, match="FileNotFoundError|PermissionError"):
                item.func("os.listdir", str(copy / "solution"))
    finally:
        shutil.rmtree(copy)


def test_garbage_on_the_reply_channel_costs_only_its_item(worker):
    assert answer(worker, "ok") == 1
    with pytest.raises(GuestLost, match="protocol"):
        answer(worker, "garble")
    assert answer(worker, "ok") == 1


def test_forged_frames_cannot_answer_for_the_next_item(worker):
    with pytest.raises(GuestLost):
        answer(worker, "forge")
    assert answer(worker, "ok") == 1


def test_a_child_cannot_reach_the_control_pipe_nor_get_a_pid_killed(worker):
    """Forged exit and ready frames naming another process group, written on every pipe
    the child holds or can open through /proc/<zygote>/fd: the child cannot open the
    zygote's pipes, and the grader never kills a pid a frame named."""
    victim = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        with worker.item(timeout=10) as item:
            assert item.func("evil.parent_pipes", worker_pids(worker)) == []
        with pytest.raises(GuestLost):  # the forged frames on its own reply pipe
            with worker.item(timeout=10) as item:
                item.func("evil.forge", victim.pid, worker_pids(worker))
        assert answer(worker, "ok") == 1
        worker.close()
        assert victim.poll() is None, "the grader killed a process a frame named"
    finally:
        victim.kill()
        victim.wait()


def test_a_detached_process_dies_with_its_item(worker):
    answer(worker, "daemon")
    assert len(descendants()) == 2  # the worker's parent outside its namespace, and its init
    worker.close()
    assert descendants() == []


def test_the_worker_dies_with_its_outer_parent(worker):
    """The init of the namespace must not survive the process the grader started (the
    dedicated user's setuid clears the parent-death signal, so it is set again)."""
    answer(worker, "daemon")
    outer = worker.proc.pid
    inner = [int(p) for p in Path(f"/proc/{outer}/task/{outer}/children").read_text().split()]
    os.kill(outer, signal.SIGKILL)
    worker.proc.wait()
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{p}").exists() for p in inner) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert inner and not any(Path(f"/proc/{p}").exists() for p in inner)
    assert descendants() == []


def test_forbidden_frameworks_fail_with_a_clear_message():
    forbidden.install()
    try:
        for name in ("tensorflow", "torch.nn", "keras"):
            with pytest.raises(ImportError, match="NumPy alone"):
                __import__(name)
        import json  # noqa: F401 - everything else imports as before
    finally:
        sys.meta_path[:] = [f for f in sys.meta_path
                            if not isinstance(f, forbidden.ForbiddenFinder)]


def test_the_kernel_is_confined_like_a_worker(sandbox):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        "import os; print(os.getuid(), os.getpid())",
        f"print(sorted(os.listdir({str(KIT)!r})))",
        "import evil; evil.daemon(); import time; time.sleep(30)",  # interrupted at 3 s
        "print('still here')",
        "import torch")]
    launcher = kernel_launcher(sandbox, policy.confinement(), cpu_seconds=60)
    runs = execute(nb, sandbox / "code", KIT / "data", cell_timeout=3, launcher=launcher)
    uid, pid = runs[0].output.split()
    assert pid == "1"  # the init of its own PID namespace
    if ROOT:
        assert uid != "0" and runs[1].output.strip() == str(sorted(
            p.name for p in (KIT / "data", Path(sys.prefix)) if p.parent == KIT))
    assert [runs[i].status for i in (2, 3, 4)] == ["timeout", "ok", "error"]
    assert descendants() == []


def test_output_is_capped_and_the_rest_counted():
    r, w = os.pipe()
    capture = CappedCapture(r, limit=1000)
    for _ in range(300):
        os.write(w, b"x" * 10_000)
    os.close(w)
    capture.thread.join(timeout=10)
    text = capture.take()
    assert text.startswith("x" * 1000)
    assert text.endswith("[... 2999000 more bytes of output dropped]")
    assert capture.take() == ""
    os.close(r)


def test_without_namespaces_the_kit_closes_to_others_but_its_venv_and_data(tmp_path):
    """Root in an unprivileged container cannot mount: file permissions hide the kit."""
    for name in ("autograder", "solution", "data", ".venv"):
        (tmp_path / name).mkdir()
    (tmp_path / "Makefile").write_text("")
    for path in tmp_path.iterdir():
        path.chmod(0o755)
    policy.hide_by_permissions(tmp_path, [tmp_path / "data", tmp_path / ".venv"])
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert modes == {"autograder": 0o750, "solution": 0o750, "Makefile": 0o750,
                     "data": 0o755, ".venv": 0o755}
