"""Deep-learning frameworks are not part of Beras: importing one fails with a clear message."""
import sys

FORBIDDEN = ("tensorflow", "torch", "keras", "jax")
MESSAGE = ("{name} cannot be imported here: Beras is written with NumPy alone, and "
           "TensorFlow, PyTorch, Keras and JAX are not available to the autograder. Remove "
           "the import (and the code that needs it) from your submission.")


class ForbiddenFinder:
    """A sys.meta_path finder that refuses the frameworks before any other finder looks."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in FORBIDDEN:
            raise ModuleNotFoundError(MESSAGE.format(name=top), name=fullname)
        return None


def install():
    if not any(isinstance(f, ForbiddenFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, ForbiddenFinder())
