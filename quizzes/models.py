"""Homework (5 questions × 4 choices) and the weekly summary survey.

The models land with the homework and survey issues; the app exists from the
start so its migrations and URLs have a home.
"""
