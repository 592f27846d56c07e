"""Objects made on the grader's request, named by integer handles.

The grader speaks to a submission only through these operations, so the very same
Session serves the reference (in the grader's process) and a student's code (in a
worker child). Values go back as data; any other object stays here and goes back as
a reference {"__ref__": n, "type": name}.

Like procedures.py, this runs beside the student's code and can be replaced by it, so it
reports observations only: values, an exception's class path and message. `keep` holds
a value here (an array, say) so that a later request can see what the student's code
did to it, which no single patched reply can vouch for.
"""
import importlib
import traceback

import numpy as np

from . import procedures


def resolve(path: str):
    """'Beras.layers.Dense' -> the class Dense of module Beras.layers."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def is_data(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str, np.ndarray, np.generic)):
        return True
    if isinstance(value, (list, tuple)):
        return all(is_data(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_data(v) for k, v in value.items())
    return False


class Session:
    def __init__(self, code_dir=None):
        self.code_dir = str(code_dir) if code_dir else None
        self.objects = {}

    def export(self, value):
        if is_data(value):
            return value
        if isinstance(value, (list, tuple)):
            return [self.export(v) for v in value]
        handle = len(self.objects)
        self.objects[handle] = value
        return {"__ref__": handle, "type": type(value).__name__}

    def bind(self, value):
        if isinstance(value, dict):
            if "__ref__" in value:
                return self.objects[value["__ref__"]]
            return {k: self.bind(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.bind(v) for v in value]
        return value

    # Operations: each takes and returns plain values.
    def op_new(self, path, args=(), kwargs=None):
        return resolve(path)(*self.bind(list(args)), **self.bind(kwargs or {}))

    def op_func(self, path, args=(), kwargs=None):
        return self.op_new(path, args, kwargs)

    def op_call(self, ref, method, args=(), kwargs=None):
        target = getattr(self.bind(ref), method)
        return target(*self.bind(list(args)), **self.bind(kwargs or {}))

    def op_get(self, ref, attr):
        return getattr(self.bind(ref), attr)

    def op_set(self, ref, attr, value):
        setattr(self.bind(ref), attr, self.bind(value))

    def op_proc(self, name, args=(), kwargs=None):
        return getattr(procedures, name)(*self.bind(list(args)), **self.bind(kwargs or {}))

    def op_keep(self, value):
        """Hold `value` here (references in it bound): a reference to it, even for data."""
        handle = len(self.objects)
        self.objects[handle] = self.bind(value)
        return {"__ref__": handle, "type": procedures.class_path(self.objects[handle])}

    def op_fetch(self, ref):
        """What a kept value is now (data goes back as data)."""
        return self.bind(ref)

    def handle(self, request: dict) -> dict:
        """Run one request; the reply is {"value": ...} or {"error": {...}}."""
        op = request.get("op", "")
        method = getattr(self, f"op_{op}", None)
        if method is None:
            return {"error": {"type": "ProtocolError", "message": f"unknown op {op!r}",
                              "trace": ""}}
        args = {k: v for k, v in request.items() if k != "op"}
        try:
            return {"value": self.export(method(**args))}
        except BaseException as e:  # noqa: B036 - a student's KeyboardInterrupt is an answer too
            return {"error": self.describe(e)}

    def describe(self, e: BaseException) -> dict:
        """The exception: its class path ('builtins.AssertionError'; a class of the
        student's own that is merely named so is 'Beras.layers.AssertionError'), message,
        and the traceback cut to the student's own frames.

        Patched: a path or message made up can only claim the exception the contract asks
        for, which is raising it; everything else the host checks is values.
        """
        frames = traceback.extract_tb(e.__traceback__)
        if self.code_dir:
            frames = [f for f in frames if f.filename.startswith(self.code_dir)]
        trace = "".join(traceback.format_list(frames[-6:]))
        message = str(e) if not isinstance(e, SystemExit) else f"exit code {e.code}"
        return {"type": procedures.class_path(e), "message": message[:2000],
                "trace": trace[-4000:]}
