"""Homework: 5 questions x 4 choices (the homework issue)."""
