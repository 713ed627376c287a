"""Scrub a backup: checksum a batch of blobs of uneven size on a cluster of 4 workers.

Run with ``python -m examples.job_batch`` from the repository root.
"""
