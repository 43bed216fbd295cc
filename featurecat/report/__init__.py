"""Presentation: turn diagnostics and reports into text, JSON or GitHub annotations."""
