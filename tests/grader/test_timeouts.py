"""Each rubric timeout is sized from what the reference needs for that item at Gradescope's
CPU share (benchmarks/item_seconds.json, recorded by benchmarks/item_seconds.py), times a
generous factor: a hang is stopped soon, an honest but slower submission is not."""
import json
import sys

from grader_helpers import KIT, RUBRIC

sys.path.insert(0, str(KIT / "benchmarks"))
import item_seconds  # noqa: E402

RECORD = json.loads(item_seconds.RECORD.read_text())
FLOOR = 8  # the rubric's [defaults] timeout: no item gets less


def test_every_item_and_the_notebook_has_a_recorded_need():
    ids = {i.id for i in RUBRIC.items} | {item_seconds.NOTEBOOK}
    assert set(RECORD["seconds"]) == ids
    assert RECORD["cpus"] == 0.5  # measured at Gradescope's default share


def test_every_timeout_is_generous_for_what_the_reference_needs():
    short = {i.id: (i.timeout, RECORD["seconds"][i.id]) for i in RUBRIC.items
             if i.timeout < max(FLOOR, item_seconds.FACTOR * RECORD["seconds"][i.id])}
    assert not short, f"timeout below {item_seconds.FACTOR}x the reference's need: {short}"
    need = RECORD["seconds"][item_seconds.NOTEBOOK]
    assert RUBRIC.notebook["budget"] >= item_seconds.FACTOR * need


def test_no_timeout_is_the_old_flat_twenty_seconds_for_everything():
    """Sized per item: the quick items have the floor, the slow ones more."""
    timeouts = {i.id: i.timeout for i in RUBRIC.items}
    assert min(timeouts.values()) == FLOOR
    assert timeouts["train.advanced"] > timeouts["train.simple"] > timeouts["data.mnist"] > FLOOR
