"""Benchmarks of gw2wvw: ``uv run python -m benchmarks [GROUP ...]`` prints ratios to baselines."""
