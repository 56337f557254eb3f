"""Benchmarks of the Receptive Field Lab site and of rf_core; `benchmarks/run.py` runs them."""
