"""The `grade` verb: one submission in, one results.json and a report out."""
