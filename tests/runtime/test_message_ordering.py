"""A process owns its instance and handles one message at a time, and messages from
one sender to one process are handled in the order they were sent."""

from __future__ import annotations

import threading
from typing import cast

from actorgen.runtime import Runtime
from app.journal import Journal
from app.recorders_actors import RecorderProcess

SENDERS = 4
PROCESSES = 5
MESSAGES = 400  # per sender and process


def send_from_threads(processes: list[RecorderProcess], messages: int = MESSAGES) -> None:
    """SENDERS threads each send `messages` tells (every 50th an ask) to each process."""

    def sender(me: int) -> None:
        for seq in range(messages):
            for process in processes:
                if seq % 50 == 49:
                    process.note_and_reply((me, seq))
                else:
                    process.note((me, seq))

    threads = [threading.Thread(target=sender, args=(me,)) for me in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_messages_from_one_sender_are_handled_in_the_order_sent(
    runtime: Runtime, journal: Journal
) -> None:
    processes = [RecorderProcess.spawn(f"p{i}", journal) for i in range(PROCESSES)]
    send_from_threads(processes)
    runtime.shutdown(drain=True)
    for process in range(PROCESSES):
        log = cast("list[tuple[int, int]]", journal.log(f"p{process}"))
        assert len(log) == SENDERS * MESSAGES
        for me in range(SENDERS):
            from_me = [seq for sender, seq in log if sender == me]
            assert from_me == list(range(MESSAGES)), f"p{process}, sender {me}"


def test_a_process_handles_one_message_at_a_time(runtime: Runtime, journal: Journal) -> None:
    # Each note sleeps a little inside the handler, so overlapping handlers would show.
    processes = [RecorderProcess.spawn(f"p{i}", journal, delay=0.0001) for i in range(2)]
    send_from_threads(processes, messages=100)
    runtime.shutdown(drain=True)
    assert len(journal.entries()) == SENDERS * 100 * 2
    assert journal.overlaps == 0
