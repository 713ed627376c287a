"""Run with ``python -m examples.sessions`` from the repository root.

Shards a session store by user over a cluster (key affinity), grows it and shrinks it
between bursts of visits while earlier visits are still queued, and checks at the end that
no visit was lost or reordered.
"""

from __future__ import annotations

import random

from actorgen.runtime import Runtime, add_member, remove_member, runtime_stats

from .shards_actors import SessionShardCluster, SessionShardProcess

USERS = [f"user-{n}" for n in range(2_000)]


def sizes(cluster: SessionShardCluster) -> str:
    return ", ".join(str(future.result()) for future in cluster.size())


def main() -> None:
    rng = random.Random(7)
    sent: dict[str, list[str]] = {}

    def traffic(cluster: SessionShardCluster, visits: int) -> None:
        for _ in range(visits):
            user = rng.choice(USERS)
            page = f"/page/{rng.randrange(100)}"
            sent.setdefault(user, []).append(page)
            cluster.visit(user, page)  # equal users always reach the same shard

    with Runtime(threads=4):
        shards = [SessionShardProcess.spawn(f"shard-{n}") for n in range(3)]
        cluster = SessionShardCluster(shards)
        traffic(cluster, 20_000)
        print(f"3 shards hold {sizes(cluster)} users")

        # Grow: the new shard owns only the keys it now wins (about a quarter of them);
        # their sessions move over from their old owners, older pages first.
        # Each `owner` ask queues behind the user's earlier visits (same key, same shard),
        # so once it replies the old owner has recorded every visit it will ever get.
        owners = {user: cluster.owner(user) for user in USERS}
        add_member(cluster, SessionShardProcess.spawn("shard-3"))
        by_name = {shard.owner("").result(): shard for shard in cluster.members}
        moved = 0
        for user, was in owners.items():
            old, new = was.result(), cluster.owner(user).result()
            if old != new:
                moved += 1
                cluster.adopt(user, by_name[old].release(user).result())
        print(f"adding shard-3 moved {moved} of {len(USERS)} users")
        traffic(cluster, 20_000)
        print(f"4 shards hold {sizes(cluster)} users")

        # Shrink: the leaving shard's sessions go to the shards that now own its users.
        leaving = shards[0]
        remove_member(cluster, leaving)
        for user, pages in leaving.hand_over().result().items():
            cluster.adopt(user, pages)
        traffic(cluster, 20_000)
        print(f"3 shards hold {sizes(cluster)} users")

        cluster.join()
        lost = [user for user in sent if cluster.history(user).result() != sent[user]]
        stats = runtime_stats()
        print(f"{sum(map(len, sent.values()))} visits from {len(sent)} users, {len(lost)} lost")
        print(f"runtime: {stats.handled} messages handled, {stats.failed} failed")
        if lost:
            raise SystemExit(f"lost or reordered visits of {len(lost)} users, e.g. {lost[0]}")


if __name__ == "__main__":
    main()
