"""Renderers of a validation report: pure functions from a report to text."""
