"""Solution markers: turn reference source into student stencil source (no file I/O).

Marker syntax (close to otter-grader and nbgrader), in .py files and notebook code cells:

    # BEGIN SOLUTION              solution lines, removed from the stencil
    self.outputs = x @ self.w + self.b
    # END SOLUTION
    \"\"\" # BEGIN PROMPT            optional; must start on the line right after END SOLUTION
    self.outputs = None  # TODO   its body replaces the block, verbatim, line for line
    \"\"\" # END PROMPT              (''' works too, the same quote at both ends)

- A block with no PROMPT becomes one line at the BEGIN line's indentation:
  `raise NotImplementedError` when nothing of its function body comes after it, else `pass`.
- One-line form: `lhs = expr  # SOLUTION` becomes `lhs = None  # TODO` (a plain or
  annotated assignment, alone on its line; it may span lines, with the comment on the last).
- A notebook code cell tagged `solution` is replaced whole by the body of its one PROMPT
  block (it holds no SOLUTION markers), or by `# TODO` / `raise NotImplementedError`; the
  tag is dropped. Every code cell of the student notebook loses its outputs and execution
  count; markdown cells (the "Expected Output" ones too) stay as they are.
- Markers are whole comment lines (the PROMPT's are its string delimiters); marker-like
  text inside other strings is ignored. Errors, reported as `file:line: reason`: an unclosed
  or nested block, an END without BEGIN, a PROMPT not right after END SOLUTION, a
  `# SOLUTION` comment that does not end a lone assignment, and a comment that looks like
  a marker of some dialect (otter's, nbgrader's, a misspelt one of ours: NEAR_MISSES) but
  is none of the above: left alone, it would ship its solution line to students.
"""
import ast
import copy
import io
import re
import tokenize
from dataclasses import dataclass

BEGIN_SOLUTION = re.compile(r"^\s*#\s*BEGIN SOLUTION\s*$")
END_SOLUTION = re.compile(r"^\s*#\s*END SOLUTION\s*$")
BEGIN_PROMPT = re.compile(r"^\s*(\"\"\"|''')\s*#\s*BEGIN PROMPT\s*$")
END_PROMPT = re.compile(r"^\s*(\"\"\"|''')\s*#\s*END PROMPT\s*$")
ONE_LINE = re.compile(r"^#\s*SOLUTION\s*$")  # matched against a COMMENT token
ANY_MARKER = re.compile(r"#\s*(?:(?:BEGIN|END)\s+)?(?:SOLUTION|PROMPT)\s*$", re.MULTILINE)
# Comments that look like a marker but are none the generator handles, as (pattern, what it
# looks like, what to write instead); the first that matches names the fix. Case-insensitive,
# searched anywhere in the comment, as nbgrader matches its markers.
NEAR_MISSES = [(re.compile(pattern, re.IGNORECASE), looks_like, fix)
               for pattern, looks_like, fix in [
    (r"#+\s*BEGIN\s+SOLUTION\s+NO\s+PROMPT", "otter's solution marker",
     "write `# BEGIN SOLUTION` (a block with no PROMPT after it becomes `pass` or "
     "`raise NotImplementedError`)"),
    (r"#+\s*SOLUTION\s+NO\s+PROMPT", "otter's solution marker",
     "write `lhs = expr  # SOLUTION` (the stencil gets `lhs = None  # TODO`), or a "
     "`# BEGIN SOLUTION` / `# END SOLUTION` block"),
    (r"#{2,}\s*(BEGIN|END)\s+SOLUTION", "nbgrader's solution marker",
     "write `# BEGIN SOLUTION` / `# END SOLUTION`, with one `#`, each alone on its line"),
    (r"#+\s*(BEGIN|END)\s+HIDDEN\s+TESTS?", "nbgrader's hidden-tests marker",
     "remove it: hidden tests are checks in autograder/checks/ and items in "
     "autograder/rubric.toml"),
    (r"#+\s*YOUR\s+CODE\s+HERE", "nbgrader's stencil placeholder",
     "write a `\"\"\" # BEGIN PROMPT` block after the solution block: its body is the "
     "stencil's code"),
    (r"#+\s*(BEGIN|END)\s+(QUESTION|TESTS?|TEST\s+CONFIG|ASSIGNMENT)", "otter's marker",
     "remove it: questions and tests are items in autograder/rubric.toml"),
    (r"#+\s*(BEGIN|END)\s+PROMPT", "a PROMPT marker written as a comment",
     "write `\"\"\" # BEGIN PROMPT` and `\"\"\" # END PROMPT`: a PROMPT is a string, on the "
     "line right after `# END SOLUTION`"),
    (r"^#+\s*((BEGIN|END)\s*)?SOLUTION\b", "a misspelt solution marker",
     "write exactly `# BEGIN SOLUTION` or `# END SOLUTION` alone on its line, or "
     "`lhs = expr  # SOLUTION`"),
    (r"#+\s*((BEGIN|END)\s*)?SOLUTION\s*$", "a misspelt solution marker",
     "write `# SOLUTION` as the line's only comment, after a lone assignment, or "
     "`# BEGIN SOLUTION` alone on its line"),
]]
# A PROMPT delimiter that is not quite one: `"""# begin prompt`, `""" # BEGIN PROMPT:` ...
NEAR_PROMPT = re.compile(r"^\s*[rRbBuUfF]*(\"\"\"|'''|\"|')\s*#+.*\bPROMPT\b", re.IGNORECASE)
# The release's leak check reads solution blocks loosely, in any dialect, so that a marker
# the generator missed still marks its lines as secret.
LOOSE_BEGIN = re.compile(r"#+\s*BEGIN\s+SOLUTION", re.IGNORECASE)
LOOSE_END = re.compile(r"#+\s*END\s+SOLUTION", re.IGNORECASE)
LOOSE_ONE_LINE = re.compile(r"#+\s*SOLUTION\b", re.IGNORECASE)
MAGIC = re.compile(r"^(\s*)[%!]")  # IPython line magics and shell escapes
STRING_TOKENS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}

SOLUTION_TAG = "solution"
CELL_PROMPT = ["# TODO\n", "raise NotImplementedError\n"]


class MarkerError(Exception):
    """A malformed marker (or unparsable source) at a 1-based line of the text."""

    def __init__(self, line, reason, cell=None):
        super().__init__(f"{line}: {reason}")
        self.line, self.reason, self.cell = line, reason, cell

    def where(self, path):
        """The one-line report: `path:line: reason` (`path[cell N]:line: ...` in notebooks)."""
        place = path if self.cell is None else f"{path}[cell {self.cell}]"
        return f"{place}:{self.line}: {self.reason}"


@dataclass
class Block:
    """A SOLUTION block: lines begin..end are the markers, prompt_end the last line it owns."""

    begin: int
    end: int
    prompt: list  # (line number, text) of the PROMPT body, or None
    prompt_end: int


def has_markers(text):
    """Whether the text holds a marker, or a line that looks like one (see near_miss)."""
    return ANY_MARKER.search(text) is not None or any(
        NEAR_PROMPT.match(line) or "#" in line and near_miss(line[line.index("#"):])
        for line in text.splitlines())


def near_miss(comment):
    """MarkerError's reason for a comment that looks like a marker it is not, else None."""
    for pattern, looks_like, fix in NEAR_MISSES:
        if pattern.search(comment):
            return (f"{comment.strip()!r} looks like {looks_like}, which the "
                    f"generator does not handle (the line would ship as it is): {fix}")
    return None


def solution_content(text, whole=False):
    """(secret, public) stripped lines of one file or code cell, read loosely: what its
    solution blocks (any dialect's BEGIN/END SOLUTION), one-line solutions (any `# SOLUTION`
    comment) and, when `whole` (a cell tagged `solution`), all its code hold; and what its
    PROMPT bodies publish. Independent of what the generator does with the markers."""
    secret, public, inside, prompt = set(), set(), whole, False
    for line in text.splitlines():
        stripped = line.strip()
        one_line = LOOSE_ONE_LINE.search(line)
        if BEGIN_PROMPT.match(line) or END_PROMPT.match(line):
            prompt = bool(BEGIN_PROMPT.match(line))
        elif prompt:
            public.add(stripped)
        elif LOOSE_BEGIN.search(line) or LOOSE_END.search(line):
            inside = whole or bool(LOOSE_BEGIN.search(line))
        elif inside:
            secret.add(stripped)
        elif one_line:
            secret |= {stripped, line[:one_line.start()].strip()}
    return secret, public


# ---- finding the markers ----------------------------------------------------------------

def read_prompt(lines, start):
    """The body of the PROMPT block opened at line `start`, and its END PROMPT line."""
    quote = BEGIN_PROMPT.match(lines[start - 1]).group(1)
    for no in range(start + 1, len(lines) + 1):
        text = lines[no - 1]
        end = END_PROMPT.match(text)
        if end and end.group(1) == quote:
            return [(n, lines[n - 1]) for n in range(start + 1, no)], no
        if end or any(p.match(text) for p in (BEGIN_PROMPT, BEGIN_SOLUTION, END_SOLUTION)):
            raise MarkerError(no, f"marker inside the PROMPT block opened at line {start}")
    raise MarkerError(start, "BEGIN PROMPT is never closed")


def find_blocks(lines, in_string=frozenset()):
    """Every SOLUTION block with its PROMPT; lines in `in_string` are string contents."""
    blocks, begin, no = [], None, 0
    while no < len(lines):
        no += 1
        text = lines[no - 1]
        if no in in_string:
            continue
        if BEGIN_SOLUTION.match(text):
            if begin:
                raise MarkerError(no, f"nested BEGIN SOLUTION (block opened at line {begin})")
            begin = no
        elif END_SOLUTION.match(text):
            if not begin:
                raise MarkerError(no, "END SOLUTION without BEGIN SOLUTION")
            prompt, last = None, no
            if no < len(lines) and BEGIN_PROMPT.match(lines[no]):
                prompt, last = read_prompt(lines, no + 1)
            blocks.append(Block(begin, no, prompt, last))
            begin, no = None, last
        elif BEGIN_PROMPT.match(text):
            if begin:
                raise MarkerError(no, "BEGIN PROMPT inside the SOLUTION block opened at "
                                      f"line {begin}")
            raise MarkerError(no, "PROMPT without a SOLUTION block right before it")
        elif END_PROMPT.match(text):
            raise MarkerError(no, "END PROMPT without BEGIN PROMPT")
    if begin:
        raise MarkerError(begin, "BEGIN SOLUTION is never closed")
    return blocks


def mask_magics(text):
    """Notebook code with magic/shell lines turned into `pass`, so it tokenizes and parses."""
    return "".join(MAGIC.sub(r"\1pass #", line, count=1) for line in text.splitlines(True))


def read_tokens(code, lines):
    """Lines inside multi-line strings, and lines ending in a `# SOLUTION` comment."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError) as error:
        find_blocks(lines)  # a marker error explains a broken string best
        line = getattr(error, "lineno", None) or error.args[1][0]
        raise MarkerError(line, f"does not tokenize: {error.args[0]}") from None
    in_string, one_liners = set(), []
    for tok in tokens:
        line = tok.start[0]
        if tok.type in STRING_TOKENS:
            text = lines[line - 1]
            if line not in in_string and NEAR_PROMPT.match(text) and not BEGIN_PROMPT.match(text):
                raise MarkerError(line, f"{text.strip()!r} looks like a PROMPT delimiter but "
                                        "is not one: write `\"\"\" # BEGIN PROMPT` and "
                                        "`\"\"\" # END PROMPT`, each alone on its line")
            in_string.update(range(tok.start[0] + 1, tok.end[0] + 1))
        elif tok.type == tokenize.COMMENT:
            text = lines[line - 1]
            if ONE_LINE.match(tok.string):
                one_liners.append(line)
            elif not any(p.match(text) for p in (BEGIN_SOLUTION, END_SOLUTION, END_PROMPT)):
                reason = near_miss(tok.string)
                if reason:
                    raise MarkerError(line, reason)
    return in_string, one_liners


def parse(code):
    try:
        return ast.parse(code)
    except SyntaxError as error:
        raise MarkerError(error.lineno, f"does not parse: {error.msg}") from None


# ---- what replaces them -----------------------------------------------------------------

def indent_of(text):
    return text[: len(text) - len(text.lstrip())]


def eol_of(text):
    return text[len(text.rstrip("\r\n")):] or "\n"


def ends_function(tree, block):
    """Whether the block holds the last statement(s) of its innermost enclosing function."""
    inside = [n.lineno for n in ast.walk(tree)
              if isinstance(n, ast.stmt) and block.begin < n.lineno < block.end]
    if not inside:
        return False
    first = min(inside)
    functions = [f for f in ast.walk(tree)
                 if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and f.lineno < first <= f.end_lineno]
    return bool(functions) and max(functions, key=lambda f: f.lineno).end_lineno < block.end


def default_prompt(tree, block, lines):
    text = lines[block.begin - 1]
    stmt = "raise NotImplementedError" if ends_function(tree, block) else "pass"
    return [(block.begin, indent_of(text) + stmt + eol_of(text))]


def char_col(line, byte_col):
    """ast column offsets count UTF-8 bytes."""
    return len(line.encode("utf-8")[:byte_col].decode("utf-8"))


def todo_assignment(tree, lines, line):
    """`lhs = None  # TODO` for the assignment whose last line is `line`: (first line, text)."""
    stmts = [n for n in ast.walk(tree) if isinstance(n, ast.stmt) and n.end_lineno == line
             and not hasattr(n, "body")]
    if len(stmts) != 1 or not isinstance(stmts[0], (ast.Assign, ast.AnnAssign)) \
            or stmts[0].value is None:
        raise MarkerError(line, "'# SOLUTION' must end a line with a single assignment")
    stmt, first = stmts[0], lines[stmts[0].lineno - 1]
    if char_col(first, stmt.col_offset) != len(indent_of(first)):
        raise MarkerError(line, "'# SOLUTION' assignment must start its own line")
    value_line = lines[stmt.value.lineno - 1]
    head = "".join(lines[stmt.lineno - 1: stmt.value.lineno - 1]) \
        + value_line[: char_col(value_line, stmt.value.col_offset)]
    lhs = head.strip().rstrip(" \t\r\n\\(=")
    return stmt.lineno, indent_of(first) + lhs + " = None  # TODO" + eol_of(lines[line - 1])


def transform_source(text, notebook=False):
    """Stencil lines of one .py file (or code cell), each as (solution line number, text)."""
    lines = text.splitlines(keepends=True)
    code = mask_magics(text) if notebook else text
    in_string, one_liners = read_tokens(code, lines)
    blocks = find_blocks(lines, in_string)
    replace = {}  # first solution line -> (last solution line, stencil lines)
    tree = parse(code) if blocks or one_liners else None
    for block in blocks:
        prompt = block.prompt if block.prompt is not None else default_prompt(tree, block, lines)
        replace[block.begin] = (block.prompt_end, prompt)
    owned = {n for b in blocks for n in range(b.begin, b.prompt_end + 1)}
    for line in one_liners:
        if line not in owned:
            first, todo = todo_assignment(tree, lines, line)
            replace[first] = (line, [(first, todo)])
    out, no = [], 1
    while no <= len(lines):
        last, new = replace.get(no, (no, [(no, lines[no - 1])]))
        out += new
        no = last + 1
    return out


def check_compiles(pairs, filename, notebook=False):
    """Raise MarkerError at the solution line behind the first stencil line that fails."""
    code = "".join(text for _, text in pairs)
    try:
        if notebook:
            compile(mask_magics(code), filename, "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, True)
        else:
            compile(code, filename, "exec", dont_inherit=True)
    except SyntaxError as error:
        at = min(max(error.lineno or 1, 1), len(pairs)) if pairs else 1
        origin = pairs[at - 1][0] if pairs else 1
        raise MarkerError(origin, f"stencil does not compile: {error.msg} "
                                  f"(stencil line {error.lineno})") from None


def stencil_source(text, filename="<stencil>"):
    """The student version of a .py file's text (checked to compile)."""
    pairs = transform_source(text)
    check_compiles(pairs, filename)
    return "".join(t for _, t in pairs)


# ---- notebooks --------------------------------------------------------------------------

def solution_cell_prompt(text):
    """The stencil lines of a code cell tagged `solution`: its PROMPT body, or the default."""
    lines, prompt, no = text.splitlines(keepends=True), None, 0
    while no < len(lines):
        no += 1
        line = lines[no - 1]
        if BEGIN_SOLUTION.match(line) or END_SOLUTION.match(line):
            raise MarkerError(no, f"SOLUTION marker in a cell tagged '{SOLUTION_TAG}' "
                                  "(the whole cell is the solution)")
        if END_PROMPT.match(line):
            raise MarkerError(no, "END PROMPT without BEGIN PROMPT")
        if BEGIN_PROMPT.match(line):
            if prompt is not None:
                raise MarkerError(no, f"second PROMPT block in a cell tagged '{SOLUTION_TAG}'")
            prompt, no = read_prompt(lines, no)
    return prompt if prompt is not None else [(1, line) for line in CELL_PROMPT]


def stencil_cell(cell):
    """The student version of one code cell's source."""
    text = cell.source
    tags = cell.metadata.get("tags", [])
    nbgrader = cell.metadata.get("nbgrader")
    if isinstance(nbgrader, dict) and nbgrader.get("solution"):
        raise MarkerError(1, "nbgrader's metadata makes this a solution cell, which the "
                             f"generator does not handle: tag the cell '{SOLUTION_TAG}' instead "
                             "(and drop the nbgrader metadata)")
    if SOLUTION_TAG in tags:
        pairs = solution_cell_prompt(text)
    elif has_markers(text):
        pairs = transform_source(text, notebook=True)
    else:
        return text
    check_compiles(pairs, "<cell>", notebook=True)
    source = "".join(t for _, t in pairs)
    return source if text.endswith("\n") else source.removesuffix("\n")


def stencil_notebook(nb):
    """The student notebook: solutions replaced, outputs stripped (a new notebook)."""
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "code":
            continue
        try:
            cell.source = stencil_cell(cell)
        except MarkerError as error:
            error.cell = index
            raise
        tags = [t for t in cell.metadata.get("tags", []) if t != SOLUTION_TAG]
        cell.metadata.pop("tags", None)
        if tags:
            cell.metadata["tags"] = tags
        cell.metadata.pop("execution", None)  # nbclient timestamps
        cell.outputs, cell.execution_count = [], None
    return nb
