"""The demo: a balanced cluster and a round-robin one on the same uneven jobs, live.

Run with ``python -m examples.demo`` from the repository root.
"""
