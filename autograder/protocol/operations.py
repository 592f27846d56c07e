"""The names that travel in frames: requests the host sends, events the guest sends back."""

INPUT = -1  # perturbation target: the input rather than weights[k]
TRAINING_MARK = 1000.0  # the evaluate probe's loss is this much more in a training step
MARK = 1.0  # what the Recorder optimizer adds, in place, to every array it is given

# Requests to an item's child: each is a method op_<name> of guest/session.Session.
ITEM_OPS = ("new", "func", "call", "get", "set", "proc", "keep", "fetch")
# Requests to the zygote itself.
FORK, END, QUIT = "fork", "end", "quit"
# Events from the zygote (control channel).
HELLO, READY, EXIT = "hello", "ready", "exit"
# From an item's child, before any reply, when it is about to time out: where it is stuck.
STUCK = "stuck"
# The error type of a call to code that hung earlier in the grade (guest/hangs.py).
HUNG = "AlreadyHung"
