"""Where the submission's code hung, and making that code fail at once next time.

An item's child (and the notebook's kernel) runs with `watch(seconds)`: shortly before the
host's deadline, a thread looks at the main thread's stack and reports the innermost frame
of the submission's own code that is a function (or a module being imported), as a `spot`
(plain data: module, file relative to the code folder, first line, name, label).

The host keeps the spots of the grade's hangs and hands them to every later child, which
calls `poison(spots)` before it serves: each such function's code is replaced by one that
raises AlreadyHung at once, wherever the function is reachable from (a class, an alias, a
decorator's closure), and a module whose import hung cannot be imported again. Nothing here
is trusted by the host beyond naming a spot: a submission that lies only fails its own
items sooner.
"""
import gc
import importlib.abc
import os
import sys
import threading
import types

from ..protocol.operations import HUNG, STUCK
from ..protocol.wire import write_frame

MODULE_CODE = "<module>"


class AlreadyHung(BaseException):
    """A call of code that hung earlier in this grade (a BaseException: `except Exception`
    in the submission does not swallow it)."""


AlreadyHung.__name__ = AlreadyHung.__qualname__ = HUNG


def _under(filename: str, code_dir: str) -> str | None:
    """filename relative to code_dir, or None when it is not the submission's own file."""
    if not filename.startswith(code_dir.rstrip("/") + "/"):
        return None
    return os.path.relpath(filename, code_dir)


def _label(frame) -> str:
    """'Dense.forward' for a method (named as the class finds it), else the qualified name."""
    code = frame.f_code
    if code.co_name == MODULE_CODE:
        return f"importing {frame.f_globals.get('__name__', '?')}"
    owner = frame.f_locals.get("self", frame.f_locals.get("cls"))
    cls = owner if isinstance(owner, type) else type(owner) if owner is not None else None
    if cls is not None:
        for klass in cls.__mro__:
            for attr, value in vars(klass).items():
                value = getattr(value, "__func__", value)
                if getattr(value, "__code__", None) is code:
                    return f"{cls.__name__}.{attr}"
    return getattr(code, "co_qualname", code.co_name)


def spot_of(frame, code_dir: str) -> dict | None:
    """The innermost frame of the submission's code that can be poisoned: a function that
    exists as an object (not a comprehension's, say), or a module's top level."""
    while frame is not None:
        code = frame.f_code
        rel = _under(code.co_filename, code_dir)
        if rel is not None and (code.co_name == MODULE_CODE or any(
                isinstance(r, types.FunctionType) for r in gc.get_referrers(code))):
            return {"module": str(frame.f_globals.get("__name__", "")), "file": rel,
                    "line": code.co_firstlineno, "name": code.co_name, "label": _label(frame)}
        frame = frame.f_back
    return None


def watch(seconds: float, code_dir: str, out_fd: int, lock: threading.Lock):
    """Report the main thread's spot on out_fd (as a "stuck" event) a little before
    `seconds` have passed, if it is then in the submission's code."""
    main = threading.main_thread().ident

    def look():
        frame = sys._current_frames().get(main)
        spot = spot_of(frame, code_dir) if frame is not None else None
        if spot is not None:
            with lock:
                write_frame(out_fd, {"event": STUCK, "spot": spot})

    timer = threading.Timer(max(0.05, seconds - min(1.0, 0.2 * seconds)), look)
    timer.daemon = True
    timer.start()
    return timer


class _Blocked(importlib.abc.MetaPathFinder):
    """Refuses to import the modules whose import hung."""

    def __init__(self, names: dict, error):
        self.names, self.error = names, error  # module name -> hang number; its exception

    def find_spec(self, name, path=None, target=None):
        if name in self.names:
            raise self.error(self.names[name])
        return None


def _stub(code, number: int):
    """A code object that raises AlreadyHung(number), with the free variables of `code`
    (a function's code can only be replaced by one with as many)."""
    free = code.co_freevars
    source = ("def outer():\n" + "".join(f"    {v} = None\n" for v in free)
              + "    def stub(*args, **kwargs):\n" + "".join(f"        {v}\n" for v in free)
              + f"        raise __beras_already_hung__({number})\n    return stub\n")
    scope = {}
    exec(compile(source, "<already hung>", "exec"), scope)  # noqa: S102 - our own text
    stub = scope["outer"]().__code__
    return stub if stub.co_freevars == free else None


def poison(spots: list, code_dir: str, say=False):
    """Make every spot fail at once in this process. spots: [number, spot, text] each (the
    host's words for it). AlreadyHung carries the number, for the host to describe, or
    with `say` (in the notebook's kernel, where the student reads it) the text."""
    import builtins

    words = {n: text for n, _, text in spots}
    builtins.__beras_already_hung__ = lambda n: AlreadyHung(words[n] if say else n)
    blocked = {s["module"]: n for n, s, _ in spots if s["name"] == MODULE_CODE}
    if blocked:
        sys.meta_path.insert(0, _Blocked(blocked, builtins.__beras_already_hung__))
    wanted = {}
    for number, s, _ in spots:
        if s["name"] == MODULE_CODE:
            continue
        try:
            importlib.import_module(s["module"])
        except BaseException:  # noqa: B036 - the item meets the same failure on its own
            continue
        wanted[(s["file"], s["line"], s["name"])] = number
    if not wanted:
        return
    for obj in gc.get_objects():
        if type(obj) is not types.FunctionType:
            continue
        code = obj.__code__
        rel = _under(code.co_filename, code_dir)
        number = wanted.get((rel, code.co_firstlineno, code.co_name)) if rel else None
        if number is not None:
            stub = _stub(code, number)
            if stub is not None:
                obj.__code__ = stub


def run_kernel():
    """python -c POISONED_KERNEL SANDBOX HUNG ARGS…: poison, then ipykernel_launcher ARGS…
    (guest/kernel.py; the working directory is the notebook's code folder)."""
    import json
    import runpy

    spots = json.loads(sys.argv.pop(1))
    code_dir = os.getcwd()
    sys.path.insert(0, code_dir)
    poison(spots, code_dir, say=True)
    sys.argv[0] = "ipykernel_launcher"
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
