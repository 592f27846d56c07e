# target: Beras/__init__.py
# Every method of every class in Beras sleeps 2 s first: nothing finishes in time.
import functools as _functools
import importlib as _importlib
import inspect as _inspect
import time as _time


def _slow(f):
    @_functools.wraps(f)
    def slow(*args, **kwargs):
        _time.sleep(2)
        return f(*args, **kwargs)
    return slow


for _name in ("core", "layers", "activations", "losses", "metrics", "onehot", "optimizers",
              "model"):
    _module = _importlib.import_module(f"Beras.{_name}")
    for _cls in list(vars(_module).values()):
        if _inspect.isclass(_cls) and _cls.__module__ == _module.__name__:
            for _attr, _f in list(vars(_cls).items()):
                if _inspect.isfunction(_f):
                    setattr(_cls, _attr, _slow(_f))
