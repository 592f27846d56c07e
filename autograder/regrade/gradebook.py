"""gradebook.csv, and the summary a TA acts on: the score distribution and what failed most."""
import csv
import os
import re
import tempfile
import statistics
from collections import Counter
from pathlib import Path

from .. import rubric as rubric_file
from .progress import clock
from .submissions import label

BINS = 10
BAR = 30
MOST_FAILED = 8
DIAGNOSIS = re.compile(r"^\s*Diagnosis:\s*(.+)$", re.MULTILINE)


def number_key(number: str):
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-]", number))


def id_of():
    """number -> rubric id, for a results.json test (notebook block N.k is notebook.k)."""
    rubric = rubric_file.load()
    ids = {i.number: i.id for i in rubric.items}
    prefix = str(rubric.notebook.get("number", "")) + "."

    def lookup(number: str) -> str:
        if number in ids:
            return ids[number]
        return f"notebook.{number.removeprefix(prefix)}" if number.startswith(prefix) else ""
    return lookup


def columns(outcomes) -> list:
    """Every test number that any submission's results hold, in rubric order."""
    numbers = {t["number"] for o in outcomes for t in o.results["tests"] if "number" in t}
    return sorted(numbers, key=number_key)


FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as a formula


def text_cell(text: str) -> str:
    """Text as a cell no spreadsheet runs: a leading =, +, -, @, tab or carriage return
    gets a single quote before it (OWASP's CSV-injection advice)."""
    return "'" + text if text.startswith(FORMULA) else text


def reason(o) -> str:
    """Why a submission has no grade (empty for a graded one)."""
    return "" if o.results["tests"] else first_message(o.results.get("output", ""))


def write_csv(outcomes, path: Path) -> None:
    """One row per outcome, written to a temp file that replaces `path` only when complete:
    an interrupted write leaves the previous gradebook."""
    numbers, name = columns(outcomes), id_of()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".gradebook-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(map(text_cell, ["submission", "status",
                                         *(f"{n} {name(n)}".strip() for n in numbers),
                                         "total", "out_of", "reason"]))
            for o in outcomes:
                scores = {t.get("number"): t["score"] for t in o.results["tests"]}
                out_of = sum(t.get("max_score", 0) for t in o.results["tests"])
                out.writerow([text_cell(label(o.name)), text_cell(o.status),
                              *(fmt(scores.get(n, "")) for n in numbers),
                              fmt(o.results["score"]), fmt(out_of), text_cell(reason(o))])
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def fmt(x) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


def histogram(scores, top: float) -> list:
    width = top / BINS
    counts = Counter(min(int(s / width), BINS - 1) for s in scores)
    most = max(counts.values())
    return [f"  {fmt(round(b * width, 2)):>6} – {fmt(round((b + 1) * width, 2)):<6} "
            f"{'#' * round(BAR * counts[b] / most):<{BAR}} {counts[b]}" for b in range(BINS)]


def first_message(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    told = [line for line in lines if not line.startswith("Checked:")]
    return (told or lines or ["(no output)"])[0][:100]


def failed_most(outcomes) -> list:
    failures = {}  # number -> (name, [outputs])
    for o in outcomes:
        for t in o.results["tests"]:
            if t.get("status") == "failed" or t["score"] < t.get("max_score", 0):
                failures.setdefault(t.get("number", "?"), (t.get("name", ""), []))[1].append(
                    t.get("output", ""))
    ranked = sorted(failures.items(), key=lambda kv: (-len(kv[1][1]), number_key(kv[0])))
    lines = []
    for number, (name, outputs) in ranked[:MOST_FAILED]:
        lines.append(f"  {len(outputs):>4}  {number:<6}{name[:70]}")
        diagnoses = Counter(m.group(1).strip() for out in outputs for m in
                            DIAGNOSIS.finditer(out))
        if diagnoses:
            text, count = diagnoses.most_common(1)[0]
            lines.append(f"          most common diagnosis ({count}): {text[:110]}")
        else:
            text, count = Counter(first_message(out) for out in outputs).most_common(1)[0]
            lines.append(f"          no diagnosis; most common message ({count}): {text}")
    return lines


def summary(outcomes, seconds: float, jobs: int, csv_path: Path) -> str:
    statuses = Counter(o.status for o in outcomes)
    counted = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    lines = [f"grade-all: {len(outcomes)} submissions in {clock(seconds)} with {jobs} jobs "
             f"({counted}).", f"Gradebook: {csv_path} (each results.json in "
             f"{csv_path.parent}/<name>/)"]
    scores = [o.results["score"] for o in outcomes]
    top = max((sum(t.get("max_score", 0) for t in o.results["tests"]) for o in outcomes),
              default=0)
    if top > 0:
        lines += ["", f"Scores out of {fmt(top)}: min {fmt(min(scores))}, median "
                      f"{fmt(statistics.median(scores))}, max {fmt(max(scores))}"]
        lines += histogram(scores, top)
    graded = [o for o in outcomes if o.results["tests"]]
    if graded:
        lines += ["", f"Failed most (submissions failing, of {len(graded)} graded):"]
        lines += failed_most(graded) or ["  nothing: every graded item passed"]
    ungraded = [o for o in outcomes if not o.results["tests"]]
    if ungraded:
        lines += ["", f"Not graded ({len(ungraded)}), scored 0:"]
        lines += [f"  {label(o.name)} ({o.status}): {reason(o)}" for o in ungraded]
    return "\n".join(lines)
