"""Scrub a backup on a cluster of checksum workers, verify every digest, report the balance.

Run with ``python -m examples.job_batch`` from the repository root (``--help`` for options).

1. Build a manifest of blobs whose sizes follow a seeded heavy-tailed (Pareto) distribution,
   with the SHA-256 each blob must have.
2. Send one canary blob *directly* to one worker, to check the store before the batch.
3. Send every blob to the *cluster* as an ask: whichever worker is free takes the next one.
4. Gather the replies and compare each digest with the manifest.
5. Print what each worker did and how the elapsed time compares with a perfect split.

Exits 1 if any digest is wrong or any blob went missing.
"""

from __future__ import annotations

import argparse
import sys
import time

from actorgen.runtime import Future, Runtime, cluster_stats

from .checksums import Checksum, fetch_seconds
from .checksums_actors import ChecksumWorkerCluster, ChecksumWorkerProcess
from .manifest import (
    SMALLEST_BLOB,
    MiB,
    build_manifest,
    check,
    first_free_makespan,
    manifest_entry,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m examples.job_batch",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--blobs", type=int, default=200, help="blobs in the batch (200)")
    parser.add_argument("--workers", type=int, default=4, help="cluster members (4)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of sizes and contents")
    args = parser.parse_args(argv)
    if args.blobs < 1 or args.workers < 1:
        parser.error("--blobs and --workers must be at least 1")
    workers: int = args.workers

    manifest = build_manifest(args.blobs, args.seed)
    canary = manifest_entry("canary/known-good", SMALLEST_BLOB, seed=0)
    costs = [fetch_seconds(entry.blob.size) for entry in manifest]
    total_bytes = sum(entry.blob.size for entry in manifest)
    print(
        f"manifest: {len(manifest)} blobs, {total_bytes / MiB:.1f} MiB, fetch times "
        f"{min(costs) * 1000:.0f}-{max(costs) * 1000:.0f} ms "
        f"(median {sorted(costs)[len(costs) // 2] * 1000:.0f} ms, total {sum(costs):.2f} s)"
    )

    errors: list[str] = []
    # A handler that sleeps (here: waits for the simulated download) holds its pool thread,
    # so the pool gets one thread per worker: all of them can wait at the same time.
    with Runtime(threads=workers, name="scrub"):
        members = [ChecksumWorkerProcess.spawn(f"conn-{i}") for i in range(workers)]
        cluster = ChecksumWorkerCluster(members)

        # A direct message: only members[0] handles it, even though it is in a cluster.
        reply = members[0].checksum(canary.blob).result(timeout=10)
        print(f"canary: {reply.worker} checked {reply.key}")
        if (problem := check(canary, reply)) is not None:
            errors.append(f"canary {problem}")

        # The batch: every blob goes to the cluster at once, and nobody picks a worker.
        # Each free worker pulls the next blob, so the small blobs flow around the big ones.
        started = time.perf_counter()
        futures: list[Future[Checksum]] = [cluster.checksum(entry.blob) for entry in manifest]
        replies = [future.result(timeout=60) for future in futures]
        elapsed = time.perf_counter() - started
        cluster.join()  # already true once every reply is in; join() is the general way

        for entry, reply in zip(manifest, replies, strict=True):
            if (problem := check(entry, reply)) is not None:
                errors.append(problem)

        stats = cluster_stats(cluster)
        # Direct asks again, to each member: the workers' own counters.
        reports = [member.report().result(timeout=10) for member in cluster.members]

    print(f"\n{'worker':<8} {'handled':>7} {'blobs':>6} {'MiB':>7} {'busy s':>7}  largest blob")
    for member, report in zip(stats.members, reports, strict=True):
        print(
            f"{report.worker:<8} {member.handled:>7} {report.blobs:>6} "
            f"{report.bytes / MiB:>7.1f} {member.busy_seconds:>7.3f}  {report.largest_key}"
        )
    print("(handled counts messages of every kind: conn-0 also handled the canary)")

    # The checks that do not depend on timing: every blob was fetched exactly once.
    fetched = sum(report.blobs for report in reports)
    if fetched != len(manifest) + 1:
        errors.append(f"the workers fetched {fetched} blobs, not {len(manifest) + 1}")
    if sum(report.bytes for report in reports) != total_bytes + canary.blob.size:
        errors.append("the workers' byte counts do not add up to the manifest's")

    # A perfect split gives every worker the same fetch time: no schedule beats it. But the
    # cluster does not know the costs and takes the blobs in manifest order; the best it can
    # do then is "the first free worker takes the next blob" with zero overhead, simulated
    # here. Dealing the blobs out in turn, as a loop over a list of workers would, fixes
    # each worker's share in advance, and the unluckiest worker sets the pace.
    ideal = sum(costs) / workers
    pulled = first_free_makespan(costs, workers)
    dealt = max(sum(costs[i::workers]) for i in range(workers))
    print(f"\nelapsed {elapsed:.3f} s = {elapsed / ideal:.2f} x the perfect split ({ideal:.3f} s)")
    print(f"  first free worker takes the next blob, zero overhead: {pulled:.3f} s")
    print(f"  blobs dealt out to the workers in turn, zero overhead: {dealt:.3f} s")

    if errors:
        print(f"\n{len(errors)} problem(s):", *errors, sep="\n  ", file=sys.stderr)
        return 1
    print(f"all {len(manifest)} digests match the manifest")
    return 0


if __name__ == "__main__":
    sys.exit(main())
