"""Type-checked, never run: each marked line must be reported by the type checker."""

from app.inbox_actors import InboxCluster, InboxProcess


def misuse(inbox: InboxProcess, cluster: InboxCluster) -> None:
    inbox.forward(cluster, "x")  # E: Argument 1 to "forward" of "InboxProcess" has incompatible type "InboxCluster"; expected "InboxProcess"
