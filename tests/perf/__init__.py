"""Parley's benchmarks (run with `python -m tests.perf`); files are bench_*.py so pytest never collects them."""
