"""Frontline: a docs-as-code help centre with a machine-learning triage desk."""

__version__ = "0.1.0"
