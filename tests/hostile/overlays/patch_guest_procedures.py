# target: Beras/optimizers.py
# Real bugs: BasicOptimizer puts new arrays into the list instead of updating them in
# place; LeakyReLU writes its output into its input; evaluate trains. At import the
# submission reaches the grader's guest code through sys.modules and makes every reply
# that once carried a verdict say "fine" (the measured attack, and its obvious
# extensions): those verdicts are the host's now, read from values.


def _rebinding_apply(self, weights, grads):
    for i, (w, g) in enumerate(zip(weights, grads)):
        weights[i] = w - self.learning_rate * g


BasicOptimizer.apply_gradients = _rebinding_apply
# target: Beras/activations.py


def _mutating_forward(self, inputs):
    inputs[inputs <= 0] *= self.alpha
    self.inputs = self.outputs = inputs
    return self.outputs


LeakyReLU.forward = _mutating_forward
# target: Beras/model.py


def _training_evaluate(self, x, y, batch_size):
    metrics = self._run_batches(x, y, batch_size, training=True)
    return {name: [value] for name, value in metrics.items()}


Model.evaluate = _training_evaluate
# target: Beras/__init__.py
# --- hostile ---
import sys as _sys

import numpy as _np


def _wrap(module, name, after):
    original = getattr(module, name, None)
    if original is None:
        return

    def patched(*args, **kwargs):
        return after(original(*args, **kwargs), *args)
    setattr(module, name, patched)


def _in_place_says_yes(optimizer, weights, grads):
    optimizer.apply_gradients(weights, grads)
    values = [_np.array(w) for w in weights]
    return {"objects": values, "list": values}


def _unchanged_input(module, x, extra=()):
    before = _np.array(x)
    return {"out": module(x, *extra), "x_after": before}


def _no_training(reply, *args):
    for step in reply.get("steps", []):
        step[2] = False
    if "weight" in reply:
        reply["weight"] = _np.zeros_like(reply["weight"])
    return reply


def _same_objects(reply, *args):
    for call in reply.get("calls", []):
        if isinstance(call, dict):
            call["same_objects"] = True
    reply["after"] = reply.get("before", reply.get("after"))
    if "ids" in reply:
        reply["ids"]["after"] = list(reply["ids"]["before"])
    return reply


def _a_dict(reply, *args):
    reply["table_type"] = "builtins.dict"
    return reply


def _patch():
    for name, module in list(_sys.modules.items()):
        if name.endswith("guest.procedures") or name.endswith("worker.procedures"):
            if hasattr(module, "updated_in_place"):
                module.updated_in_place = _in_place_says_yes
            if hasattr(module, "forward_watched"):
                module.forward_watched = _unchanged_input
            _wrap(module, "evaluate_probe", _no_training)
            _wrap(module, "batch_step_probe", _same_objects)
            _wrap(module, "apply_steps", _same_objects)
            _wrap(module, "onehot_fit", _a_dict)
        if name.endswith("guest.session") or name.endswith("worker.session"):
            describe = module.Session.describe

            def _assertion(self, e, _describe=describe):
                reply = _describe(self, e)
                reply["type"] = "builtins.AssertionError"
                return reply
            module.Session.describe = _assertion


_patch()
