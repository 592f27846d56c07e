"""The trusted side of the boundary: start, confine, talk to and kill guest processes.

The host never imports autograder/guest/, with one exception: local.py runs the
(trusted) reference in-process through the guest's Session (tests/test_boundary.py).
"""
