"""A group commit for phones' writes: those that arrive while another commit is under way wait for
the write lock together, and the first of them to get it commits them all in one transaction, so
a room acting at once pays for a few commits rather than one a phone. The write lock also makes
the commit and the room's memory one step: a reload between them cannot leave memory without a
write the file holds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class GroupCommit:
    """The queue of one kind of phone write (votes, Q&A actions) for one database file."""

    def __init__(self) -> None:
        self._queue: list[Any] = []
        self._lock = threading.Lock()

    def run(self, ticket: Any, write_lock, commit: Callable[[list[Any]], None]) -> None:
        """Return once ticket is committed: by commit(batch) here, with whatever else waits, or by
        a commit under way that took it (ticket.done). commit must set each ticket's done."""
        with self._lock:
            self._queue.append(ticket)
        with write_lock:
            if not ticket.done:
                with self._lock:
                    batch, self._queue = self._queue, []
                commit(batch)
