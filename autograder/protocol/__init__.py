"""What both sides of the boundary share: the wire format, the operations, the errors.

Nothing here decides a grade. The host (autograder/host/) imports it, and so does the
guest (autograder/guest/), which is copied into the sandbox together with this package.
"""
