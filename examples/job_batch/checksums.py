"""The async class of the example: a worker that fetches backup blobs and checksums them.

A backup scrub re-reads every blob of a backup and recomputes its SHA-256, so that silent
corruption is found before the backup is needed. Blob sizes are heavy-tailed (many small
files, a few very large ones), so a static split of the blob list over the workers leaves
some workers idle while one is stuck with the large blobs; a cluster balances by pulling.

Nothing here touches the network: `fetch_seconds` says how long a download from the object
store would take and the worker sleeps that long, and `blob_content` regenerates a blob's
bytes from its seed, so every run sees the same data.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass

from actorgen.runtime import async_class

# The simulated object store: time to first byte, then a per-connection bandwidth.
FIRST_BYTE_SECONDS = 0.002
BYTES_PER_SECOND = 10_000_000

# Workers hash what they download in chunks, as a streaming reader would.
CHUNK = 64 * 1024


@dataclass(frozen=True)
class BlobRef:
    """One entry of the backup manifest, without its expected digest."""

    key: str
    size: int
    seed: int


@dataclass(frozen=True)
class Checksum:
    """A worker's answer for one blob."""

    key: str
    sha256: str
    worker: str


@dataclass(frozen=True)
class WorkerReport:
    """What one worker has done since it started."""

    worker: str
    blobs: int
    bytes: int
    fetch_seconds: float
    largest_key: str | None


def fetch_seconds(size: int) -> float:
    """How long downloading a blob of `size` bytes takes from the simulated object store."""
    return FIRST_BYTE_SECONDS + size / BYTES_PER_SECOND


def blob_content(blob: BlobRef) -> bytes:
    """The bytes stored under `blob.key`: deterministic, regenerated from the blob's seed."""
    return random.Random(blob.seed).randbytes(blob.size)


@async_class
class ChecksumWorker:
    """Fetches blobs from the object store and computes their SHA-256.

    Each worker stands for one connection to the store, and keeps running counters of what
    it fetched; `report` returns them.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.blobs = 0
        self.bytes = 0
        self.fetch_seconds = 0.0
        self.largest: BlobRef | None = None

    def checksum(self, blob: BlobRef) -> Checksum:
        """Download `blob` and return its SHA-256 (an ask: the reply is a `Checksum`)."""
        cost = fetch_seconds(blob.size)
        time.sleep(cost)  # the download: this handler blocks its pool thread meanwhile
        content = blob_content(blob)
        digest = hashlib.sha256()
        for start in range(0, len(content), CHUNK):
            digest.update(content[start : start + CHUNK])
        self.blobs += 1
        self.bytes += blob.size
        self.fetch_seconds += cost
        if self.largest is None or blob.size > self.largest.size:
            self.largest = blob
        return Checksum(blob.key, digest.hexdigest(), self.name)

    def report(self) -> WorkerReport:
        """Return this worker's counters (an ask)."""
        largest_key = self.largest.key if self.largest is not None else None
        return WorkerReport(self.name, self.blobs, self.bytes, self.fetch_seconds, largest_key)
