"""Benchmarks: `python -m bench.<name>` (e.g. `python -m bench.media`)."""
