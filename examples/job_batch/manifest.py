"""The batch of the example: a manifest of blobs of uneven size, with their digests.

Shared by ``python -m examples.job_batch`` and ``python -m examples.demo``.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from dataclasses import dataclass

from .checksums import BlobRef, Checksum, blob_content

KiB = 1024
MiB = 1024 * KiB

# Blob sizes: Pareto with shape 1.4 above 48 KiB, capped at 2 MiB. Most blobs take a few
# milliseconds to fetch, a few take 100-200 ms: the long tail that defeats a static split.
PARETO_SHAPE = 1.4
SMALLEST_BLOB = 48 * KiB
LARGEST_BLOB = 2 * MiB


@dataclass(frozen=True)
class ManifestEntry:
    """A blob and the digest recorded when it was backed up."""

    blob: BlobRef
    sha256: str


def manifest_entry(key: str, size: int, seed: int) -> ManifestEntry:
    """A blob and the digest of its content."""
    blob = BlobRef(key, size, seed)
    # Hashed in one call here and in chunks by the workers: the same digest either way.
    return ManifestEntry(blob, hashlib.sha256(blob_content(blob)).hexdigest())


def build_manifest(count: int, seed: int) -> list[ManifestEntry]:
    """`count` blobs with seeded sizes and contents, and their expected digests."""
    rng = random.Random(seed)
    entries = []
    for index in range(count):
        size = min(int(SMALLEST_BLOB * rng.paretovariate(PARETO_SHAPE)), LARGEST_BLOB)
        key = f"snapshots/2024-06-01/chunk-{index:04d}"
        entries.append(manifest_entry(key, size, seed=rng.getrandbits(64)))
    return entries


def check(entry: ManifestEntry, reply: Checksum) -> str | None:
    """What is wrong with `reply` for `entry`, or None if it is right."""
    if reply.key != entry.blob.key:
        return f"{entry.blob.key}: got the reply for {reply.key} from {reply.worker}"
    if reply.sha256 != entry.sha256:
        return f"{entry.blob.key}: {reply.worker} computed {reply.sha256}, expected {entry.sha256}"
    return None


def first_free_makespan(costs: list[float], workers: int) -> float:
    """When the last job ends if each job, in order, goes to the first free worker."""
    free_at = [0.0] * workers  # a heap of the times at which each worker becomes free
    for cost in costs:
        heapq.heappush(free_at, heapq.heappop(free_at) + cost)
    return max(free_at)
