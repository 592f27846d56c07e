"""Load and validate rubric.toml: the graded items, as the TAs wrote them.

The file is checked against rubric.schema.json first (unknown keys, wrong types, negative
points, unknown visibilities), then for duplicate ids and numbers; a RubricError names
every problem, each with its item and key, and nothing is graded.
"""
import difflib
import fnmatch
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from .compat import tomllib

import jsonschema

RUBRIC = Path(__file__).with_name("rubric.toml")
SCHEMA = json.loads(Path(__file__).with_name("rubric.schema.json").read_text())
VISIBILITIES = tuple(SCHEMA["$defs"]["visibility"]["enum"])
TOML_TYPES = {"array": "a list", "object": "a table", "string": "a string",
              "number": "a number", "boolean": "true or false"}
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


def _where(raw: dict, path) -> str:
    """`item dense.forward (1.1)`, `[notebook]`, or `the top level`, for an error's path."""
    path = list(path)
    if path[:1] == ["item"] and len(path) > 1:
        item = raw["item"][path[1]]
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            return f"item {item['id']} ({item.get('number', '?')})"
        return f"item #{path[1] + 1}"
    return f"[{path[0]}]" if path else "the top level"


def _problem(error) -> str:
    """What is wrong with one key, as a TA would fix it."""
    names = [p for p in error.absolute_path if isinstance(p, str) and p != "item"]
    key = names[-1] if names else None
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(known))
        hints = []
        for k in extra:
            close = difflib.get_close_matches(k, known, n=1)
            hints.append(f"unknown key {k!r}" + (f" (did you mean {close[0]!r}?)" if close else
                                                 f" (known: {', '.join(known)})"))
        return "; ".join(hints)
    if error.validator == "required":
        return f"missing key {error.message.split(chr(39))[1]!r}"
    value = f"{key} = {error.instance!r}" if key else repr(error.instance)
    if error.validator == "enum":
        return f"{value}: must be one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "type":
        return f"{value}: must be {TOML_TYPES.get(error.validator_value, error.validator_value)}"
    if error.validator in ("minimum", "exclusiveMinimum"):
        sign = ">=" if error.validator == "minimum" else ">"
        return f"{value}: must be {sign} {error.validator_value}"
    return f"{value}: {error.message}"


def validate(raw: dict, name: str = "rubric.toml") -> None:
    """RubricError naming every problem of the parsed file, one line each, or nothing."""
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(raw),
                    key=lambda e: [str(p) for p in e.absolute_path])
    problems = [f"{_where(raw, e.absolute_path)}: {_problem(e)}" for e in errors]
    if not problems:
        items = raw.get("item", [])
        for key in ("id", "number"):
            seen = [i[key] for i in items]
            for value in sorted({v for v in seen if seen.count(v) > 1}):
                which = ", ".join(f"#{n} ({i['id']}, {i['number']})"
                                  for n, i in enumerate(items, 1) if i[key] == value)
                problems.append(f"items {which}: duplicate {key} {value!r}")
    if problems:
        raise RubricError(f"{name}:\n  " + "\n  ".join(problems))


def _item(raw: dict, defaults: dict) -> Item:
    return Item(id=raw["id"], number=raw["number"], name=raw["name"],
                points=float(raw["points"]), visibility=raw["visibility"],
                tags=tuple(raw.get("tags", ())),
                timeout=float(raw.get("timeout", defaults.get("timeout", 20))),
                in_check=raw.get("in_check", True), params=dict(raw.get("params", {})))


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
    """What the schema cannot say of [notebook] (it has checked keys, types and signs)."""
    if not nb:
        return
    for key in ("timeout", "budget"):
        if not math.isfinite(nb[key]):
            raise RubricError(f"[notebook] {key} must be a positive number of seconds")
    if nb["timeout"] > nb["budget"]:
        raise RubricError(f"[notebook] timeout (per cell, {nb['timeout']:g} s) is more than "
                          f"its budget (the whole notebook, {nb['budget']:g} s)")


def check_fits(rubric: Rubric):
    """Refuse timeouts that cannot fit the deadline, even if every item runs them out."""
    for item in rubric.items:  # the schema has refused timeouts <= 0; inf is TOML's too
        if not math.isfinite(item.timeout):
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
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as error:
        raise RubricError(f"{path}: not TOML: {error}") from None
    validate(raw, str(path))
    defaults = raw.get("defaults", {})
    items = [_item(r, defaults) for r in raw["item"]]
    notebook = raw.get("notebook", {})
    _check_notebook(notebook)
    rubric = Rubric(raw["title"], items, notebook, _deadline(raw))
    check_fits(rubric)
    return rubric
