"""The operations a check asks of an implementation, wherever it runs."""


class Operations:
    """Sugar over `request(op, **fields)`; objects come back as references (dicts)."""

    def request(self, op, **fields):
        raise NotImplementedError

    def new(self, path, *args, **kwargs):
        """Construct `path` (e.g. 'Beras.layers.Dense'); returns a reference."""
        return self.request("new", path=path, args=list(args), kwargs=kwargs)

    def func(self, path, *args, **kwargs):
        """Call a module-level function such as 'assignment.get_simple_model_components'."""
        return self.request("func", path=path, args=list(args), kwargs=kwargs)

    def call(self, ref, method, *args, **kwargs):
        return self.request("call", ref=ref, method=method, args=list(args), kwargs=kwargs)

    def get(self, ref, attr):
        return self.request("get", ref=ref, attr=attr)

    def set(self, ref, attr, value):
        return self.request("set", ref=ref, attr=attr, value=value)

    def proc(self, name, *args, **kwargs):
        """Run a routine of autograder/guest/procedures.py beside the implementation."""
        return self.request("proc", name=name, args=list(args), kwargs=kwargs)

    def keep(self, value):
        """Hold `value` (an array, say) in the implementation's process: a reference to it,
        to pass to later calls, whose effect on it `fetch` shows."""
        return self.request("keep", value=value)

    def fetch(self, ref):
        """What a kept value is now."""
        return self.request("fetch", ref=ref)
