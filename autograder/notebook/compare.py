"""Compare a cell's output with its Expected Output block, numbers within a tolerance.

Both texts are split into tokens: numbers (as numpy and Python print them: `-0.5`,
`1.`, `1e-06`, `nan`, `-inf`) and everything else (words and single punctuation
characters such as the brackets of a numpy printout). Whitespace, line breaks included,
only separates tokens, so alignment and line wrapping never matter. The token sequences
must have the same length and the same non-number tokens, so a wrong shape (different
brackets or a different count of numbers) fails. Two numbers agree when
|got - expected| <= atol + rtol * |expected|, nan agrees with nan, -0.0 equals 0.0, and
two integers (no point, no exponent, as shapes and counts print) must be equal.
"""
import difflib
import math
import re
from dataclasses import dataclass

RTOL = 1e-5
ATOL = 1e-8

_NUMBER = r"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf(?:inity)?|nan)"
_TOKEN = re.compile(
    rf"(?P<number>(?<![\w.]){_NUMBER}(?!\w))|(?P<word>\w+)|(?P<punct>\S)", re.IGNORECASE)
_INTEGER = re.compile(r"[-+]?\d+")

MAX_DIFF_LINES = 12  # lines of the line-by-line diff shown in feedback
MAX_LINE_CHARS = 100


@dataclass(frozen=True)
class Token:
    text: str
    value: float | None  # None for a non-number token
    line: int  # 1-based line of the text it came from


@dataclass(frozen=True)
class Comparison:
    passed: bool
    feedback: str  # empty when passed


def tokenize(text: str) -> list[Token]:
    """Numbers and non-number tokens of `text`, each with its 1-based line."""
    tokens = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        for match in _TOKEN.finditer(line):
            value = float(match.group()) if match.lastgroup == "number" else None
            tokens.append(Token(match.group(), value, line_no))
    return tokens


def normalize_whitespace(text: str) -> str:
    """`text` with every run of whitespace (newlines included) replaced by one space."""
    return " ".join(text.split())


def tokens_agree(expected: Token, got: Token, rtol: float = RTOL, atol: float = ATOL) -> bool:
    if expected.value is None or got.value is None:
        return expected.text == got.text
    if _INTEGER.fullmatch(expected.text) and _INTEGER.fullmatch(got.text):
        return int(expected.text) == int(got.text)
    e, g = expected.value, got.value
    if math.isnan(e) or math.isnan(g):
        return math.isnan(e) and math.isnan(g)
    if math.isinf(e) or math.isinf(g):
        return e == g
    return abs(g - e) <= atol + rtol * abs(e)


def compare_outputs(expected: str, got: str, *, rtol: float = RTOL,
                    atol: float = ATOL) -> Comparison:
    """Whether `got` matches `expected`; if not, feedback that locates the first difference.

    Args:
        expected: the Expected Output block's text.
        got: what the cell printed.
        rtol, atol: the tolerance for numbers, as in numpy.isclose (expected is the
            reference).

    Returns:
        A Comparison whose feedback names the first difference ("line 3, 2nd number:
        expected `0.5`, got `-0.5`") followed by a short line-by-line diff.
    """
    want, have = tokenize(expected), tokenize(got)
    for index, (e, g) in enumerate(zip(want, have)):
        if not tokens_agree(e, g, rtol, atol):
            return Comparison(False, _feedback(_describe_difference(want, index, e, g),
                                               expected, got, rtol, atol))
    if len(want) == len(have):
        return Comparison(True, "")
    if not have:
        headline = "the cell printed nothing"
    elif len(have) < len(want):
        e = want[len(have)]
        headline = f"line {e.line}: the output ends early; expected {_show(e)} next"
    else:
        g = have[len(want)]
        headline = f"line {g.line} of your output: unexpected {_show(g)} after the expected end"
    return Comparison(False, _feedback(headline, expected, got, rtol, atol))


def _describe_difference(want: list[Token], index: int, e: Token, g: Token) -> str:
    where = f"line {e.line}" if e.line == g.line else f"line {e.line} (line {g.line} of yours)"
    if e.value is not None and g.value is not None:
        nth = sum(1 for t in want[:index] if t.line == e.line and t.value is not None) + 1
        return f"{where}, {_ordinal(nth)} number: expected {_show(e)}, got {_show(g)}"
    hint = ""
    if g.text == "None":
        hint = " (a function returned None: is it implemented?)"
    elif "[" in (e.text, g.text) or "]" in (e.text, g.text):
        hint = " (the shape differs)"
    return f"{where}: expected {_show(e)}, got {_show(g)}{hint}"


def _show(token: Token) -> str:
    return f"`{token.text}`"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _feedback(headline: str, expected: str, got: str, rtol: float, atol: float) -> str:
    lines = [headline, f"The output differs from the Expected Output (numbers are compared "
                       f"with rtol={rtol:g}, atol={atol:g}; spacing is ignored)."]
    diff = _line_diff(expected, got)
    if diff:
        lines += ["Line by line (- expected, + yours):", *diff]
    return "\n".join(lines)


def _line_key(line: str) -> tuple:
    """A line's tokens, numbers rounded, so that lines within tolerance align in the diff."""
    return tuple(t.text if t.value is None else f"{t.value + 0.0:.4g}" for t in tokenize(line))


def _line_diff(expected: str, got: str) -> list[str]:
    """The differing lines, numbered, at most MAX_DIFF_LINES of them."""
    want, have = expected.splitlines(), got.splitlines()
    matcher = difflib.SequenceMatcher(
        None, [_line_key(x) for x in want], [_line_key(x) for x in have], autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        out += [_clip(f"  - {i + 1:>3}: {want[i]}") for i in range(i1, i2)]
        out += [_clip(f"  + {j + 1:>3}: {have[j]}") for j in range(j1, j2)]
    if len(out) > MAX_DIFF_LINES:
        out = out[:MAX_DIFF_LINES] + [f"  ... ({len(out) - MAX_DIFF_LINES} more diff lines)"]
    return out


def _clip(line: str) -> str:
    line = line.rstrip()
    return line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS - 3] + "..."
