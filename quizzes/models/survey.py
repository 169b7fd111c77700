"""The weekly summary survey (the survey issue)."""
