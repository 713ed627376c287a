"""A sharded session store: key affinity, broadcast, and resharding while traffic flows."""
