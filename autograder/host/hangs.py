"""The grade's hangs: which of the submission's code did not return, in which item, after
how long. A lane keeps one table; every later item's child gets its spots and fails at
once where they are called (guest/hangs.py), so a hang costs one timeout, not one per item.

A spot comes from the guest, so it is checked for shape and its words are cut short; at
worst a lying submission fails its own later items sooner.
"""
import re
import threading

FIELDS = {"module": str, "file": str, "line": int, "name": str, "label": str}
MAX_TEXT = 200


def _clean(spot) -> dict | None:
    if not isinstance(spot, dict) or set(spot) != set(FIELDS):
        return None
    if not all(isinstance(spot[k], t) and not isinstance(spot[k], bool) for k, t in FIELDS.items()):
        return None
    out = {k: (v[:MAX_TEXT] if isinstance(v, str) else v) for k, v in spot.items()}
    out["label"] = re.sub(r"[^\w.<> ]", "?", out["label"])[:80]
    return out


class Hangs:
    def __init__(self):
        self._lock = threading.Lock()
        self._spots = []  # [(spot, item number, seconds)], in the order they hung

    def add(self, spot, item_number: str, seconds: float) -> str | None:
        """Record where an item hung; its label, or None when the spot is malformed or
        already known."""
        spot = _clean(spot)
        if spot is None:
            return None
        key = (spot["file"], spot["line"], spot["name"], spot["module"])
        with self._lock:
            if any((s["file"], s["line"], s["name"], s["module"]) == key
                   for s, _, _ in self._spots):
                return None
            self._spots.append((spot, item_number, seconds))
        return spot["label"]

    def for_fork(self) -> list:
        """[[number, spot, what to say of it]] for a child or the notebook's kernel."""
        with self._lock:
            count = len(self._spots)
        return [[n, self._spots[n][0], self.describe(n)] for n in range(count)]

    def describe(self, number) -> str | None:
        """"Dense.forward did not return within 8 s in item 1.1", or None if unknown."""
        with self._lock:
            if not isinstance(number, int) or not 0 <= number < len(self._spots):
                return None
            spot, item_number, seconds = self._spots[number]
        verb = "did not finish" if spot["label"].startswith("importing ") else "did not return"
        return f"{spot['label']} {verb} within {seconds:g} s in item {item_number}"

    def __len__(self):
        with self._lock:
            return len(self._spots)
