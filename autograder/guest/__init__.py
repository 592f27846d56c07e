"""The untrusted side of the boundary: the only code that runs beside the student's.

zygote, confine, kernel, forbidden, session and procedures. With autograder/protocol/
it is copied into the sandbox, where the worker user reads it; it holds no reference
code, no hidden case and no verdict: a student can patch any of it at import time.
"""
