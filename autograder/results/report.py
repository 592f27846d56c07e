"""The table a student or TA reads in the terminal, then every failure in full."""
import textwrap

NAME_WIDTH = 46


def points(x: float) -> str:
    return f"{x:g}"


def row(result, timing=False) -> str:
    item = result.item
    name = textwrap.shorten(item.name, NAME_WIDTH, placeholder="…")
    mark = "ok" if result.passed else ("PART" if result.score > 0 else "FAIL")
    note = "" if result.passed else f"  {result.summary}"
    score = f"{points(result.score)}/{points(item.points)}"
    seconds = f"{result.seconds:>7.2f}" if timing else ""
    return f"  {item.number:<6}{name:<{NAME_WIDTH}}{score:>8}{seconds}  {mark}{note}"


def render(grade, public_only: bool, timing: bool = False) -> str:
    """timing: add a column with each item's seconds."""
    label = "public checks" if public_only else "full grade"
    head = f"{grade.rubric.title} · {label}"
    seconds = f"{'s':>7}" if timing else ""
    lines = [f"{head:<72}{grade.seconds:>6.1f} s",
             f"  {'#':<6}{'item':<{NAME_WIDTH}}{'points':>8}{seconds}  result"]
    lines += [row(r, timing) for r in grade.results]
    total = f"{points(grade.score)}/{points(grade.rubric.total)}"
    lines.append(f"Public score {total}. Hidden items are graded on Gradescope."
                 if public_only else f"Score {total}.")
    if getattr(grade, "extras", None):
        lines += ["", "Your own Diffables (ungraded, finite differences on a (3, 4) batch):"]
        lines += [f"  {line}" for line in grade.extras]
    for r in grade.results:
        if not r.passed:
            lines += ["", f"{'PART' if r.score else 'FAIL'} {r.item.number} {r.item.name}",
                      textwrap.indent(r.output.rstrip(), "  ")]
    return "\n".join(lines)
