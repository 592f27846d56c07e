"""What Python 3.10 (Gradescope's Ubuntu 22.04) lacks: tomllib, as the package it came from."""
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomli (requirements.txt pins it there)
    import tomli as tomllib

__all__ = ["tomllib"]
