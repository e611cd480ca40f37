"""Benchmarks: `python -m bench` prints the results table (see docs/benchmarks.md)."""
