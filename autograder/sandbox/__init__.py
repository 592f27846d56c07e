"""The trusted side of the worker boundary: start, confine, talk to and kill workers."""
