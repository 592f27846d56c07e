"""A hang costs one timeout: the child says where it is stuck just before its deadline,
and every later child of the lane fails there at once (guest/hangs.py, host/hangs.py)."""
import shutil

import pytest
from submissions import guest_sandbox

from autograder.host import policy
from autograder.host.hangs import Hangs
from autograder.host.supervisor import AlreadyHung, Guest, ItemTimeout
from autograder.protocol.errors import StudentError

CODE = '''
import functools
import time


class Base:
    def forward(self, x):
        return x


class Slow(Base):
    def forward(self, x):
        while True:
            pass

    def fine(self):
        return super().forward(1)  # a method with a free variable (__class__)


class Renamed:
    pass


def _spin(self, x):
    while True:
        pass


Renamed.forward = _spin  # the function's own name is not the method's


def slowly(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        time.sleep(60)
        return f(*args, **kwargs)
    return wrapper


@slowly
def sleepy():
    return 1


@slowly
def sleepy_too():
    return 2


def quick():
    return 3
'''
STUCK_AT_IMPORT = '''
while True:
    pass
'''
TIMEOUT = 4


@pytest.fixture
def worker():
    path = guest_sandbox({"hangmod": CODE, "stuckmod": STUCK_AT_IMPORT})
    w = Guest(path / "code", path, policy.confinement())
    w.start()
    yield w
    w.close()
    shutil.rmtree(path, ignore_errors=True)


def hang(worker, hangs, number, run):
    """Run `run(item)` as item `number`, which must time out; where it was stuck."""
    with pytest.raises(ItemTimeout):
        with worker.item(timeout=TIMEOUT, hangs=hangs) as item:
            run(item)
    assert item.stuck is not None, "the child did not say where it was stuck"
    label = hangs.add(item.stuck, number, TIMEOUT)
    assert label is not None
    return label


def fails_at_once(worker, hangs, run) -> str:
    """AlreadyHung, not ItemTimeout: the item did not wait out its timeout again."""
    with pytest.raises(AlreadyHung) as raised:
        with worker.item(timeout=120, hangs=hangs) as item:
            run(item)
    return str(raised.value)


def test_a_hung_method_fails_at_once_in_later_items(worker):
    hangs = Hangs()
    label = hang(worker, hangs, "1.1", lambda i: i.call(i.new("hangmod.Slow"), "forward", 1))
    assert label == "Slow.forward"
    said = fails_at_once(worker, hangs, lambda i: i.call(i.new("hangmod.Slow"), "forward", 2))
    assert said == f"Slow.forward did not return within {TIMEOUT} s in item 1.1"
    with worker.item(timeout=120, hangs=hangs) as item:  # the rest of the class still works
        assert item.call(item.new("hangmod.Slow"), "fine") == 1
        assert item.call(item.new("hangmod.Base"), "forward", 4) == 4
        assert item.func("hangmod.quick") == 3


def test_a_method_is_named_as_its_class_finds_it_and_caught_under_any_name(worker):
    hangs = Hangs()
    label = hang(worker, hangs, "2.1", lambda i: i.call(i.new("hangmod.Renamed"), "forward", 1))
    assert label == "Renamed.forward"
    fails_at_once(worker, hangs, lambda i: i.func("hangmod._spin", None, 1))


def test_a_hang_in_a_decorator_fails_every_function_it_wraps(worker):
    hangs = Hangs()
    hang(worker, hangs, "3.1", lambda i: i.func("hangmod.sleepy"))
    fails_at_once(worker, hangs, lambda i: i.func("hangmod.sleepy_too"))
    with worker.item(timeout=120, hangs=hangs) as item:
        assert item.func("hangmod.quick") == 3


def test_a_module_whose_import_hung_is_not_imported_again(worker):
    hangs = Hangs()
    label = hang(worker, hangs, "4.1", lambda i: i.func("stuckmod.anything"))
    assert label == "importing stuckmod"
    said = fails_at_once(worker, hangs, lambda i: i.func("stuckmod.anything"))
    assert said == f"importing stuckmod did not finish within {TIMEOUT} s in item 4.1"


def test_without_a_table_a_hang_is_an_ordinary_timeout(worker):
    with pytest.raises(ItemTimeout) as raised:
        with worker.item(timeout=TIMEOUT) as item:
            item.call(item.new("hangmod.Slow"), "forward", 1)
    assert not isinstance(raised.value, AlreadyHung)


def test_a_submission_cannot_forge_a_known_hang(worker):
    """An AlreadyHung the submission raises itself, with a number the table does not
    know, is its own error like any other."""
    with worker.item(timeout=30, hangs=Hangs()) as item:
        with pytest.raises(StudentError):
            item.func("builtins.exec", "class AlreadyHung(BaseException): pass\n"
                      "raise AlreadyHung('0')")


@pytest.mark.parametrize("spot", [
    None, "x", {}, {"module": "m", "file": "f", "line": "1", "name": "n", "label": "l"},
    {"module": "m", "file": "f", "line": True, "name": "n", "label": "l"},
    {"module": "m", "file": "f", "line": 1, "name": "n", "label": "l", "extra": 1}])
def test_malformed_spots_are_ignored(spot):
    hangs = Hangs()
    assert hangs.add(spot, "1.1", 8) is None
    assert len(hangs) == 0 and hangs.describe(0) is None


def test_a_spot_is_recorded_once_and_its_label_cut_to_words():
    hangs = Hangs()
    spot = {"module": "m", "file": "f.py", "line": 3, "name": "n", "label": "A.b\n<script>!" * 20}
    label = hangs.add(spot, "1.1", 8)
    assert "\n" not in label and "!" not in label and len(label) <= 80
    assert hangs.add(dict(spot), "1.2", 8) is None
    assert hangs.describe(0).endswith("did not return within 8 s in item 1.1")
