"""What a grade becomes: Gradescope's results.json and a report for people."""
