"""Load and validate rubric.toml: the graded items, as the TAs wrote them."""
import fnmatch
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

RUBRIC = Path(__file__).with_name("rubric.toml")
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
GRADESCOPE_TIMEOUT = 600  # Gradescope's default overall timeout (s); a course may raise it
RESERVE = 60  # s of it left for start-up and wrap-up: the grade's deadline is the rest
EXTRAS_TIMEOUT = 10  # s for the ungraded report on a submission's own Diffables


class RubricError(Exception):
    pass


@dataclass(frozen=True)
class Item:
    id: str
    number: str
    name: str
    points: float
    visibility: str
    tags: tuple = ()
    timeout: float = 20
    in_check: bool = True
    block: int | None = None  # notebook items: the Expected Output block, 1-based
    params: dict = field(default_factory=dict, hash=False, compare=False)  # check settings

    @property
    def public(self) -> bool:
        """Runs in the student's `make check`."""
        return self.visibility == "visible" and self.in_check


@dataclass
class Rubric:
    """deadline: seconds after the grade starts by which results.json is written.
    notebook: the [notebook] table; its `timeout` is per cell, `budget` the whole run's."""
    title: str
    items: list
    notebook: dict = field(default_factory=dict)
    deadline: float = GRADESCOPE_TIMEOUT - RESERVE

    def with_notebook_blocks(self, titles: list) -> "Rubric":
        """Add one item per Expected Output block, titled as the notebook titles them."""
        nb = self.notebook
        free = set(nb.get("informational", ()))
        blocks = [Item(id=f"notebook.{i}", number=f"{nb['number']}.{i}",
                       name=f"notebook: {title}",
                       points=0 if title in free else nb["points_per_block"],
                       visibility=nb["visibility"], tags=tuple(nb["tags"]),
                       timeout=nb["timeout"], block=i)
                  for i, title in enumerate(titles, start=1)]
        return Rubric(self.title, self.items + blocks, nb, self.deadline)

    def matching(self, patterns) -> "Rubric":
        """Only the items whose id matches one of the glob patterns."""
        keep = [i for i in self.items if any(fnmatch.fnmatchcase(i.id, p) for p in patterns)]
        return Rubric(self.title, keep, self.notebook, self.deadline)

    def public_only(self) -> "Rubric":
        return Rubric(self.title, [i for i in self.items if i.public], self.notebook,
                      self.deadline)

    @property
    def total(self) -> float:
        return sum(i.points for i in self.items)

    def worst_case(self) -> float:
        """Seconds a grade takes when every item runs out its timeout, one after another:
        the items' timeouts, the notebook's budget and the ungraded extras."""
        items = sum(i.timeout for i in self.items if i.block is None)
        return items + float(self.notebook.get("budget", 0)) + EXTRAS_TIMEOUT


def _item(raw: dict, defaults: dict) -> Item:
    missing = {"id", "number", "name", "points", "visibility"} - set(raw)
    if missing:
        raise RubricError(f"item {raw.get('id', '?')}: missing {', '.join(sorted(missing))}")
    if raw["visibility"] not in VISIBILITIES:
        raise RubricError(f"item {raw['id']}: visibility must be one of {VISIBILITIES}")
    return Item(id=raw["id"], number=str(raw["number"]), name=raw["name"],
                points=float(raw["points"]), visibility=raw["visibility"],
                tags=tuple(raw.get("tags", ())),
                timeout=float(raw.get("timeout", defaults.get("timeout", 20))),
                in_check=bool(raw.get("in_check", True)), params=dict(raw.get("params", {})))


def _deadline(raw: dict) -> float:
    """[deadline]: Gradescope's timeout as the course set it, less what start-up and
    wrap-up need."""
    table = raw.get("deadline", {})
    timeout = float(table.get("gradescope_timeout", GRADESCOPE_TIMEOUT))
    reserve = float(table.get("reserve", RESERVE))
    if not 0 <= reserve < timeout:
        raise RubricError(f"[deadline] reserve must be at least 0 and under gradescope_timeout "
                          f"({timeout:g} s), not {reserve:g}")
    return timeout - reserve


def _check_notebook(nb: dict):
    if not nb:
        return
    for key in ("timeout", "budget"):
        value = nb.get(key)
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise RubricError(f"[notebook] {key} must be a positive number of seconds")
    if nb["timeout"] > nb["budget"]:
        raise RubricError(f"[notebook] timeout (per cell, {nb['timeout']:g} s) is more than "
                          f"its budget (the whole notebook, {nb['budget']:g} s)")


def check_fits(rubric: Rubric):
    """Refuse timeouts that cannot fit the deadline, even if every item runs them out."""
    for item in rubric.items:
        if not math.isfinite(item.timeout) or item.timeout <= 0:
            raise RubricError(f"item {item.id}: timeout must be a positive number of seconds")
    worst = rubric.worst_case()
    if worst > rubric.deadline:
        slowest = sorted(rubric.items, key=lambda i: -i.timeout)[:3]
        raise RubricError(
            f"the timeouts add up to {worst:g} s (every item's, the notebook's budget and "
            f"{EXTRAS_TIMEOUT} s for the ungraded extras), more than the grade's deadline of "
            f"{rubric.deadline:g} s ([deadline] gradescope_timeout less reserve). Lower "
            "timeouts (the largest: " + ", ".join(f"{i.id} {i.timeout:g} s" for i in slowest)
            + "), or raise the course's Gradescope timeout and gradescope_timeout with it.")


def load(path: Path = RUBRIC) -> Rubric:
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    defaults = raw.get("defaults", {})
    items = [_item(r, defaults) for r in raw.get("item", [])]
    for key in ("id", "number"):
        seen = [getattr(i, key) for i in items]
        dupes = sorted({v for v in seen if seen.count(v) > 1})
        if dupes:
            raise RubricError(f"duplicate {key}: {', '.join(dupes)}")
    notebook = raw.get("notebook", {})
    _check_notebook(notebook)
    rubric = Rubric(raw.get("title", "Autograder"), items, notebook, _deadline(raw))
    check_fits(rubric)
    return rubric
