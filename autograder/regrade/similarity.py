"""Code similarity across a class: the pairs whose student-written code is unusually alike.

Only what a student wrote counts. Each submission's code folder is one document (its .py
files, each under a header line); copydetect tokenizes it, renames every identifier to
one letter (renamed variables do not hide a copy) and fingerprints every run of K
tokens. The fingerprints of the stencil are boilerplate, dropped: what is left touches
the code the student wrote, in the places of the solution blocks (or in files of their
own), never the code the stencil gives everyone. copydetect also finds the matching
regions that the report shows side by side.

As MOSS does, a passage found in many submissions is ignored: it is how the class (or
the lecture) writes that line, not evidence. A match is a lead for a person to read.
"""
import ast
import builtins
import io
import keyword
import math
import multiprocessing
import os
import re
import tokenize
import zipfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path, PurePosixPath

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.defaults import NOISE_THRESHOLD
from copydetect.utils import filter_code, get_token_coverage

from .. import paths
from ..grade.submission import SKIP

K = NOISE_THRESHOLD  # tokens in a fingerprint: copydetect's default, shorter matches are noise
WINDOW = 1  # keep every k-gram: every match of K tokens is found, and the result is the same
#             in every process (copydetect's hashes come from Python's salted hash())
COMMON_SHARE = 0.10  # a passage in more than this share of the class is common, not a lead
COMMON_MIN = 3  # ... and in a small class, only one found in more than this many submissions
TOP = 10  # pairs shown with their matching regions
CONTEXT = 3  # lines shown either side of a matching region
JOBS = 4  # processes that fingerprint a large class (tokenizing is most of the time)
PARALLEL = 40  # ... from this many submissions on; fewer are done in this process
MAX_FILE = 256 * 1024  # bytes of one .py file read (a student's file is far smaller)
MAX_FILES = 200  # .py files read from one submission
STENCIL = paths.KIT / "stencil"


@dataclass
class Doc:
    """One submission's code, fingerprinted, without the stencil's fingerprints."""
    name: str
    fingerprint: object = None
    hashes: frozenset = frozenset()


@dataclass
class Pair:
    a: str
    b: str
    score: float  # shared distinctive fingerprints / those of the submission with fewer
    share_a: float = 0.0  # copydetect: share of a's compared tokens in matching regions
    share_b: float = 0.0
    regions_a: list = field(default_factory=list)  # [(text, matched)], in order
    regions_b: list = field(default_factory=list)


@dataclass
class Similarity:
    compared: list  # names of the submissions with student-written code
    pairs: list  # the top pairs, best first
    median: float  # the median pair's score, over every pair of `compared`
    p95: float
    pair_count: int
    common_cutoff: int  # passages in more submissions than this were ignored
    skipped: list  # (name, why) for submissions whose code could not be read


def read_py(path: Path) -> dict:
    """{posix path: text} of every .py file of a folder or .zip (no links, skipping caches)."""
    files = {}
    if path.is_file():
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = PurePosixPath(info.filename)
                if (info.is_dir() or name.suffix != ".py" or ".." in name.parts
                        or SKIP & set(name.parts) or info.file_size > MAX_FILE):
                    continue
                files[str(name)] = zf.read(info).decode("utf-8", "replace")
                if len(files) >= MAX_FILES:
                    break
        return files
    for folder, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIP
                         and not os.path.islink(os.path.join(folder, d)))
        for n in sorted(names):
            full = Path(folder, n)
            if n.endswith(".py") and not full.is_symlink() and full.stat().st_size <= MAX_FILE:
                files[full.relative_to(path).as_posix()] = full.read_bytes().decode(
                    "utf-8", "replace")
                if len(files) >= MAX_FILES:
                    return files
    return files


def code_files(files: dict) -> dict:
    """The files of the code folder (the one with Beras/__init__.py beside assignment.py),
    keyed by their path inside it."""
    roots = sorted((PurePosixPath(p).parent.parent for p in files
                    if PurePosixPath(p).parts[-2:] == ("Beras", "__init__.py")),
                   key=lambda r: (len(r.parts), str(r)))
    roots = [r for r in roots if str(r / "assignment.py") in files]
    if not roots:
        raise ValueError("no Beras package beside assignment.py")
    prefix = "" if roots[0] == PurePosixPath(".") else f"{roots[0]}/"
    return {p[len(prefix):]: text for p, text in files.items() if p.startswith(prefix)}


HEADER = "# ==== {} ===="  # heads each part of a document (a comment: it never matches)
IS_HEADER = re.compile("^" + re.escape(HEADER).replace(r"\{\}", ".*") + "$")
BUILTINS = frozenset(dir(builtins))  # kept as written, as pygments' Name.Builtin is
DROPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
           tokenize.ENCODING, tokenize.ENDMARKER}
SEPARATOR = "\x00"  # a header in the normalized code (no token normalizes to it)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
REST = "(the rest of the file)"


def parts(text: str) -> dict:
    """{name: source} of a file: each function and method (where solution blocks are), and
    the rest of the file as REST; a file that does not parse is one part."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {REST: text}
    lines = text.splitlines(keepends=True)
    out, used = {}, set()

    def add(name, node):
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
        out[name] = "".join(lines[start:node.end_lineno])
        used.update(range(start, node.end_lineno))

    for node in tree.body:
        if isinstance(node, FUNCTIONS):
            add(node.name, node)
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, FUNCTIONS):
                    add(f"{node.name}.{sub.name}", sub)
    out[REST] = "".join(line for i, line in enumerate(lines) if i not in used)
    return out


def document(files: dict, given: dict | None = None) -> str:
    """One text of what a code folder's .py files hold beyond `given` ({path: parts} of
    the stencil): each function, method or file rest whose text is not the stencil's,
    under a header naming it. Without `given`, every part (the stencil's own document).
    Tokenizing is what costs (copydetect uses pygments), so only these parts are read."""
    out = []
    for rel in sorted(files):
        theirs = (given or {}).get(rel, {})
        for name, source in parts(files[rel]).items():
            if source.strip() and source != theirs.get(name):
                out.append(f"{HEADER.format(f'{rel}: {name}')}\n{source.rstrip()}\n\n")
    return "".join(out)


def normalized(code: str):
    """copydetect's filter_code, with the standard library's tokenizer (pygments, which
    copydetect uses, is ten times slower, and was nearly all the time of a class report):
    (filtered code, offsets) in copydetect's form. Names become V, function names F,
    class names O, strings S; keywords, builtins, numbers and operators stay; comments and
    white space go. Code that does not tokenize goes to copydetect's own filter."""
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    out, offsets, size, removed, at, previous = [], [[0, 0]], 0, 0, 0, ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in DROPPED and not (tok.type == tokenize.COMMENT
                                            and IS_HEADER.match(tok.string)):
                continue
            begin = starts[tok.start[0] - 1] + tok.start[1]
            end = starts[tok.end[0] - 1] + tok.end[1]
            if begin > at:  # white space and comments before the token
                offsets.append([size - 1, removed])
                removed += begin - at
            text = tok.string
            if tok.type == tokenize.NAME and not keyword.iskeyword(text) \
                    and text not in BUILTINS:
                text = {"def": "F", "class": "O"}.get(previous, "V")
            elif tok.type == tokenize.STRING:
                text = "S"
            elif tok.type == tokenize.COMMENT:  # a part's header
                text = SEPARATOR
            out.append(text)
            size += len(text)
            if len(text) < end - begin:  # as copydetect: the entry at the replacement
                offsets.append([size - 1, removed])
                removed += end - begin - len(text)
            previous, at = tok.string, end
    except (tokenize.TokenError, SyntaxError):
        return filter_code(code, "code.py", "python")
    return "".join(out), np.array(offsets)


def fingerprint(name: str, code: str, boilerplate=()):
    """copydetect's CodeFingerprint of `code`, normalized by normalized(). No fingerprint
    spans two parts: which parts sit side by side says nothing about who wrote them."""
    filtered, offsets = normalized(code)
    across = {hash(filtered[s:s + K]) for p, c in enumerate(filtered) if c == SEPARATOR
              for s in range(max(0, p - K + 1), p + 1)}
    fp = CodeFingerprint(f"{name}.py", K, WINDOW, filter=False, fp=io.StringIO(filtered))
    fp.raw_code, fp.offsets = code, offsets  # for compare_files' slices in the raw code
    # boilerplate is dropped here, not by copydetect (its np.intersect1d(assume_unique)
    # would also drop any fingerprint that occurs twice in one submission)
    drop(fp, across | set(boilerplate))
    # plain ints: a worker's fingerprint pickles several times faster than with numpy's
    fp.hash_idx = {int(h): [int(i) for i in at] for h, at in fp.hash_idx.items()}
    fp.hashes = set(fp.hash_idx)
    return fp


def drop(fp, hashes: set) -> None:
    """Remove `hashes` from a fingerprint (copydetect's own boilerplate step, done after the
    fact, once the class-wide counts are known)."""
    for h in hashes & fp.hashes:
        del fp.hash_idx[h]
    fp.hashes = fp.hashes - hashes
    fp.token_coverage = get_token_coverage(fp.hash_idx, fp.k, len(fp.filtered_code))


def regions(raw: str, slices) -> list:
    """[(text, matched)] covering `raw`, from copydetect's slices (2 x N, start and end),
    each match widened to whole lines (its slices can start inside a token)."""
    out, at = [], 0
    spans = sorted(zip(*slices.astype(int).tolist())) if len(slices[0]) else []
    for start, end in spans:
        start = max(raw.rfind("\n", 0, start) + 1, at)
        end = raw.find("\n", min(end, len(raw)) - 1)
        end = len(raw) if end < 0 else end + 1
        if start > at:
            out.append((raw[at:start], False))
        if end > start:
            out.append((raw[start:end], True))
            at = end
    if at < len(raw):
        out.append((raw[at:], False))
    return out


def pair_counts(docs: list, cutoff: int) -> Counter:
    """{(i, j): fingerprints i and j share}, from an index of fingerprint -> submissions,
    over the fingerprints found in 2 to `cutoff` submissions."""
    holders = {}
    for i, doc in enumerate(docs):
        for h in doc.hashes:
            holders.setdefault(h, []).append(i)
    counts = Counter()
    for group in holders.values():
        if 2 <= len(group) <= cutoff:
            counts.update(combinations(group, 2))
    return counts


_GIVEN = None  # (stencil parts, stencil fingerprints) while analyse() runs


def fingerprinted(sub) -> tuple:
    """(name, fingerprint or None, why not) of one submission's student-written code."""
    stencil, boiler = _GIVEN
    try:
        files = code_files(read_py(sub.path))
    except (OSError, ValueError, zipfile.BadZipFile, RuntimeError) as e:
        return sub.name, None, str(e) or type(e).__name__
    text = document(files, stencil)
    fp = fingerprint(sub.name, text, boiler) if text else None
    if fp is None or not fp.hashes:
        return sub.name, None, "no student-written code (the stencil as given)"
    return sub.name, fp, ""


def analyse(subs, top: int = TOP) -> Similarity:
    """Similarity of every pair of `subs` (Submission: name, path) on student-written code."""
    global _GIVEN
    stencil = {rel: parts(text) for rel, text in code_files(read_py(STENCIL)).items()}
    given = fingerprint("stencil", "".join(
        f"{source}\n" for file in stencil.values() for source in file.values()))
    _GIVEN = stencil, frozenset(given.hashes)
    jobs = min(os.cpu_count() or 1, JOBS) if len(subs) >= PARALLEL else 1
    if jobs > 1:  # forked: workers see _GIVEN and share hash()'s salt, so hashes agree
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            read = list(pool.map(fingerprinted, subs, chunksize=16))
    else:
        read = [fingerprinted(sub) for sub in subs]
    docs = [Doc(name, fp, frozenset(fp.hashes)) for name, fp, _ in read if fp is not None]
    skipped = [(name, why) for name, fp, why in read if fp is None]
    cutoff = max(COMMON_MIN, math.floor(COMMON_SHARE * len(docs)))
    held = Counter(h for d in docs for h in d.hashes)
    common = {h for h, n in held.items() if n > cutoff}
    for d in docs:
        drop(d.fingerprint, common)
        d.hashes = frozenset(d.fingerprint.hashes)
    counts = pair_counts(docs, cutoff)
    scores = {(i, j): n / max(1, min(len(docs[i].hashes), len(docs[j].hashes)))
              for (i, j), n in counts.items()}
    n_pairs = len(docs) * (len(docs) - 1) // 2
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], docs[kv[0][0]].name,
                                                   docs[kv[0][1]].name))[:top]
    pairs = []
    for (i, j), score in ranked:
        a, b = docs[i], docs[j]
        _, (sa, sb), (slices_a, slices_b) = compare_files(a.fingerprint, b.fingerprint)
        pairs.append(Pair(a.name, b.name, score, float(sa), float(sb),
                          regions(a.fingerprint.raw_code, slices_a),
                          regions(b.fingerprint.raw_code, slices_b)))
    return Similarity([d.name for d in docs], pairs, *quantiles(scores, n_pairs), n_pairs,
                      cutoff, skipped)


def quantiles(scores: dict, n_pairs: int) -> tuple:
    """The median and 95th percentile pair scores; pairs that share nothing score 0."""
    if not n_pairs:
        return 0.0, 0.0
    values = np.zeros(n_pairs)
    values[:len(scores)] = sorted(scores.values())
    return float(np.median(values)), float(np.percentile(values, 95))


def trimmed(regions) -> list:
    """The regions as shown: long unmatched stretches cut to CONTEXT lines either side,
    keeping the header of the file the next match is in."""
    out = []
    for i, (text, matched) in enumerate(regions):
        lines = text.split("\n")
        if not matched and len(lines) > 2 * CONTEXT + 1:
            head = lines[:CONTEXT] if i else []
            tail = lines[-CONTEXT - 1:] if i < len(regions) - 1 else []
            cut = lines[len(head):len(lines) - len(tail)]
            files = [line for line in cut if IS_HEADER.match(line)]
            if any(IS_HEADER.match(line) for line in tail):
                files = []
            text = "\n".join([*head, "…", *files[-1:], *tail])
        out.append((text, matched))
    return out
