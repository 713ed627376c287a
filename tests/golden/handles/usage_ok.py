"""Type-checked, never run: handles of the module itself in messages."""

from typing_extensions import assert_type

from actorgen.runtime import Future

from app.inbox_actors import InboxCluster, InboxProcess, RouterProcess


def use() -> None:
    inbox = InboxProcess.spawn()
    child = InboxProcess.spawn(parent=inbox)
    assert_type(inbox.child(), Future[InboxProcess])
    child.forward(inbox, "hello")
    child.spread(InboxCluster.spawn(2), "all")
    assert_type(RouterProcess.spawn().route(inbox, "x"), Future[InboxProcess])
