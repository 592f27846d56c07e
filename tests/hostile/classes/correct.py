# The solution as it is: a correct submission.
