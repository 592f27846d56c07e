"""OUT/report.html: the class report a TA looks at after a regrade.

One self-contained file (inline SVG and CSS, a few lines of script; no server, nothing
fetched): the score and accuracy distributions, the items hardest first, each item's
diagnoses with example submissions, what could not be graded or hit a limit, and the
pairs of submissions whose student-written code is unusually similar (similarity.py).

Built from the kept results (OUT/<name>/results.json and grade.json) and the submissions'
code: `python -m autograder report SUBMISSIONS` rebuilds it without regrading.
"""
from __future__ import annotations  # Markup and Environment: imported where used

import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .. import rubric as rubric_file
from ..checks.training import accuracy_in
from .gradebook import DIAGNOSIS, first_message, fmt, number_key
from .runner import Outcome, read_results
from .submissions import find

REPORT = "report.html"
TEMPLATE = "report.html.j2"
SCORE_BINS = 10
COUNTED = 20  # up to this many bars, each is labelled with its count (else its tooltip)
ACCURACY_BIN = 0.01  # accuracy histograms: one bar per point of accuracy
EXAMPLES = 3  # example submissions linked for each diagnosis
PAGE = 25  # rows of a long table shown before "show more"
# What a kept item output says when the item hit a limit (the texts of grade/items.py and
# notebook/runner.py), as (kind, pattern).
LIMITS = (
    ("deadline", re.compile(r"did not finish within|timed out: the cell ran longer")),
    ("memory", re.compile(r"MemoryError|out of memory")),
    ("process died", re.compile(r"killed by signal|the worker process (?:ended|is gone)|"
                                r"the kernel died|Nothing after that could be checked")),
)


def shown(name: str) -> str:
    """A submission name as text (names come from file names, which may not be UTF-8)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def href(name: str, file: str = "results.json") -> str:
    """The link to a kept file, relative to report.html (OUT/<name>/file)."""
    return f"{quote(os.fsencode(name))}/{file}"


# --- reading what grade-all kept ----------------------------------------------------------

def kept(folder: Path, out: Path):
    """(submissions, outcomes) of every submission of `folder` with a kept grade in out/."""
    subs, outcomes = [], []
    for sub in find(folder, out):
        results = read_results(out / sub.name / "results.json")
        if results is None:
            continue
        meta = read_meta(out / sub.name / "grade.json")
        subs.append(sub)
        outcomes.append(Outcome(sub.name, meta.get("status", "graded"),
                                float(meta.get("seconds", results.get("execution_time", 0))),
                                results))
    return subs, outcomes


def read_meta(path: Path) -> dict:
    """grade.json (status, seconds), or {} when it is missing or unreadable."""
    try:
        meta = json.loads(path.read_text())
        return meta if isinstance(meta, dict) else {}
    except (OSError, ValueError):
        return {}


# --- the numbers ---------------------------------------------------------------------------

@dataclass
class ItemRow:
    number: str
    name: str
    visibility: str
    graded: int
    passed: int
    mean_points: float
    max_points: float
    median_seconds: float
    max_seconds: float

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0

    @property
    def mean_fraction(self) -> float:
        return self.mean_points / self.max_points if self.max_points else self.pass_rate


def failed(test: dict) -> bool:
    return test.get("status") == "failed" or test["score"] < test.get("max_score", 0)


def seconds_of(test: dict) -> float:
    extra = test.get("extra_data")
    return float(extra.get("seconds", 0)) if isinstance(extra, dict) else 0.0


def items(graded) -> list:
    """One row per item any submission was graded on, hardest first: lowest pass rate,
    then lowest mean share of the points."""
    tests = {}
    for o in graded:
        for t in o.results["tests"]:
            tests.setdefault(t.get("number", "?"), []).append(t)
    rows = []
    for number, ts in tests.items():
        times = [seconds_of(t) for t in ts]
        rows.append(ItemRow(number, ts[0].get("name", ""), ts[0].get("visibility", "visible"),
                            len(ts), sum(not failed(t) for t in ts),
                            statistics.fmean(t["score"] for t in ts),
                            max(t.get("max_score", 0) for t in ts),
                            statistics.median(times), max(times)))
    return sorted(rows, key=lambda r: (r.pass_rate, r.mean_fraction, number_key(r.number)))


def diagnosis_of(test: dict) -> str:
    """The failure's diagnosis, else its first message (as the text summary groups them)."""
    output = test.get("output", "")
    found = DIAGNOSIS.search(output)
    return found.group(1).strip() if found else f"(no diagnosis) {first_message(output)}"


def diagnoses(graded, rows) -> list:
    """[(item row, [(diagnosis, count, [example names])])] for the items anyone failed."""
    said = {}
    for o in graded:
        for t in o.results["tests"]:
            if failed(t):
                said.setdefault(t.get("number", "?"), {}).setdefault(
                    diagnosis_of(t), []).append(o.name)
    out = []
    for row in rows:
        if row.number in said:
            ranked = sorted(said[row.number].items(), key=lambda kv: (-len(kv[1]), kv[0]))
            out.append((row, [(text, len(names), sorted(names)[:EXAMPLES])
                              for text, names in ranked]))
    return out


def problems(outcomes) -> tuple:
    """(not graded, limits): [(name, status, why)] and [(name, number, kind, what it said)]."""
    ungraded = [(o.name, o.status, o.results.get("output", "") or "(no message)")
                for o in outcomes if o.status != "graded" or not o.results["tests"]]
    limits = []
    for o in outcomes:
        for t in o.results["tests"]:
            for kind, pattern in LIMITS:
                if failed(t) and pattern.search(t.get("output", "")):
                    limits.append((o.name, t.get("number", "?"), kind,
                                   first_message(t.get("output", ""))))
                    break
    return ungraded, limits


def accuracies(graded, rubric) -> list:
    """[(item, bar, floor, [accuracy])] for each rubric item with an accuracy `bar`."""
    out = []
    for item in rubric.items:
        if "bar" not in item.params:
            continue
        values = [a for o in graded for t in o.results["tests"]
                  if t.get("number") == item.number
                  and (a := accuracy_in(t.get("output", ""))) is not None]
        out.append((item, float(item.params["bar"]), float(item.params.get("floor", 0)),
                    values))
    return out


# --- the pictures ------------------------------------------------------------------------

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 640, 240, 40, 16, 34, 36


def svg_histogram(values, lo, hi, bins, marks, label, ident) -> Markup:
    """An inline SVG histogram of `values` over [lo, hi], with vertical `marks`:
    [(text, x, css class)]. It scales with the page (viewBox) and prints as drawn."""
    from markupsafe import Markup, escape  # the kit's own venv: grading never imports it
    width = (hi - lo) / bins
    counts = Counter(min(bins - 1, max(0, int((v - lo) / width + 1e-9))) for v in values)
    most = max(counts.values(), default=1)
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def x(v):
        return PAD_L + (v - lo) / (hi - lo) * plot_w

    parts = [f'<svg class="histogram" id="{escape(ident)}" viewBox="0 0 {W} {H}" role="img" '
             f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
             f'<title>{escape(label)}</title>']
    for b in range(bins):
        n = counts.get(b, 0)
        bh = plot_h * n / most
        left = x(lo + b * width)
        parts.append(f'<rect class="bar" x="{left + 1:.1f}" y="{PAD_T + plot_h - bh:.1f}" '
                     f'width="{max(plot_w / bins - 2, 1):.1f}" height="{bh:.1f}" '
                     f'data-count="{n}"><title>{fmt(round(lo + b * width, 4))} to '
                     f'{fmt(round(lo + (b + 1) * width, 4))}: {n}</title></rect>')
        if n and bins <= COUNTED:
            parts.append(f'<text class="count" x="{left + plot_w / bins / 2:.1f}" '
                         f'y="{PAD_T + plot_h - bh - 3:.1f}">{n}</text>')
    step = max(1, bins // 10)
    for b in range(0, bins + 1, step):
        v = lo + b * width
        parts.append(f'<text class="tick" x="{x(v):.1f}" y="{H - PAD_B + 14}">'
                     f'{fmt(round(v, 4))}</text>')
    parts.append(f'<line class="axis" x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{W - PAD_R}" '
                 f'y2="{PAD_T + plot_h}"/>')
    parts.append(f'<text class="axis-label" x="{PAD_L + plot_w / 2}" y="{H - 4}">'
                 f'{escape(label)}</text>')
    for i, (text, v, css) in enumerate(marks):
        at = x(min(max(v, lo), hi))
        parts.append(f'<line class="mark {css}" x1="{at:.1f}" y1="{PAD_T - 4}" x2="{at:.1f}" '
                     f'y2="{PAD_T + plot_h}"/>')
        anchor = "end" if at > W / 2 else "start"
        nudge = -4 if anchor == "end" else 4
        parts.append(f'<text class="mark-label {css}" text-anchor="{anchor}" '
                     f'x="{at + nudge:.1f}" y="{12 + 13 * i}">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def score_histogram(scores, top) -> Markup:
    mean, median = statistics.fmean(scores), statistics.median(scores)
    return svg_histogram(scores, 0, top, SCORE_BINS,
                         [(f"mean {mean:.1f}", mean, "mean"),
                          (f"median {fmt(round(median, 2))}", median, "median")],
                         f"score out of {fmt(top)}", "score-histogram")


def accuracy_histogram(item, bar, floor, values) -> Markup:
    lo = min([floor, *values])
    lo = max(0.0, int(lo / 0.05) * 0.05)  # whole twentieths: readable ticks
    bins = max(1, round((1 - lo) / ACCURACY_BIN))
    marks = [(f"bar {fmt(bar)} (full marks)", bar, "bar"), (f"floor {fmt(floor)}", floor, "floor")]
    if values:
        marks.append((f"median {statistics.median(values):.4f}", statistics.median(values),
                      "median"))
    return svg_histogram(values, lo, 1.0, bins, marks, f"{item.id}: test accuracy",
                         f"accuracy-{item.id}")


# --- the page ------------------------------------------------------------------------------

def context(subs, outcomes, rubric, similar, k, trimmed) -> dict:
    graded = [o for o in outcomes if o.status == "graded" and o.results["tests"]]
    rows = items(graded)
    top = max((sum(t.get("max_score", 0) for t in o.results["tests"]) for o in graded),
              default=0)
    scores = [float(o.results["score"]) for o in graded]
    ungraded, limits = problems(outcomes)
    return {
        "title": rubric.title, "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "count": len(outcomes), "graded": len(graded),
        "statuses": sorted(Counter(o.status for o in outcomes).items()),
        "top": top, "scores": scores,
        "mean": statistics.fmean(scores) if scores else None,
        "median": statistics.median(scores) if scores else None,
        "score_svg": score_histogram(scores, top) if scores and top else None,
        "accuracies": [(item, bar, floor, values,
                        sum(v >= bar for v in values), accuracy_histogram(item, bar, floor, values))
                       for item, bar, floor, values in accuracies(graded, rubric)],
        "items": rows, "diagnoses": diagnoses(graded, rows),
        "ungraded": ungraded, "limits": limits,
        "similar": similar,
        "pairs": [(p, trimmed(p.regions_a), trimmed(p.regions_b)) for p in similar.pairs],
        "page": PAGE, "k": k,
    }


def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(Path(__file__).parent),
                      autoescape=select_autoescape(["j2", "html"], default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(shown=shown, href=href, fmt=fmt,
                       pct=lambda x: f"{100 * x:.0f}%", sec=lambda s: f"{s:.2f}")
    return env


def render(subs, outcomes, rubric=None, similar=None) -> str:
    from . import similarity  # copydetect's import takes seconds: only when a report is built
    rubric = rubric or rubric_file.load()
    similar = similar if similar is not None else similarity.analyse(subs)
    return environment().get_template(TEMPLATE).render(
        context(subs, outcomes, rubric, similar, similarity.K, similarity.trimmed))


def build(subs, outcomes, out: Path) -> Path:
    """Write out/report.html (atomically: a browser never reads half a page)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    page = render(subs, outcomes)
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".report-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(page)
    os.chmod(tmp, 0o644)
    path = out / REPORT
    os.replace(tmp, path)
    return path


# --- python -m autograder report -----------------------------------------------------------

def add_arguments(parser) -> None:
    parser.add_argument("submissions", type=Path,
                        help="the class folder grade-all graded (its code is compared)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the gradebook folder grade-all wrote (default SUBMISSIONS/gradebook)")


def run(args) -> int:
    folder = args.submissions
    out = (args.out or folder / "gradebook").resolve()
    if not folder.is_dir() or not out.is_dir():
        print(f"report: no gradebook in {out}: run `make grade-all SUBMISSIONS={folder}` "
              "first", file=sys.stderr)
        return 2
    start = time.monotonic()
    subs, outcomes = kept(folder, out)
    if not outcomes:
        print(f"report: no kept results.json under {out}", file=sys.stderr)
        return 2
    path = build(subs, outcomes, out)
    print(f"Report: {path} ({len(outcomes)} submissions, {time.monotonic() - start:.1f} s)")
    return 0
