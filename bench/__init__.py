"""Benchmarks: ``make bench`` runs every section and writes bench/report.json and report.md."""
