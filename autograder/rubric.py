"""Load and validate rubric.toml: the graded items, as the TAs wrote them."""
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as a package (requirements.txt)
    import tomli as tomllib

RUBRIC = Path(__file__).with_name("rubric.toml")
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


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
    title: str
    items: list
    notebook: dict = field(default_factory=dict)

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
        return Rubric(self.title, self.items + blocks, nb)

    def matching(self, patterns) -> "Rubric":
        """Only the items whose id matches one of the glob patterns."""
        keep = [i for i in self.items if any(fnmatch.fnmatchcase(i.id, p) for p in patterns)]
        return Rubric(self.title, keep, self.notebook)

    def public_only(self) -> "Rubric":
        return Rubric(self.title, [i for i in self.items if i.public], self.notebook)

    @property
    def total(self) -> float:
        return sum(i.points for i in self.items)


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
    return Rubric(raw.get("title", "Autograder"), items, raw.get("notebook", {}))
