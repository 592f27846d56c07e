"""The untrusted side of the boundary: code that runs beside the student's.

This folder is self-contained (numpy and the stdlib only) and holds no reference code
and no hidden case, so it can be copied into the sandbox where the worker user reads it.
"""
