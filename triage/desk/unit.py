"""Several desk writes as one transaction: what a channel records and what it files, together.

``tickets`` and ``receipts`` take a ``Database`` and open their own write transaction. Given a
``Joined`` over an open write session instead, each of their transactions becomes a savepoint
of that one: a mail's key and the ticket it filed, or an alert episode and its ticket, commit
together or not at all, so a crash between the two cannot leave one without the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from triage.desk.db import Database


@dataclass(frozen=True)
class Joined:
    """A stand-in for a ``Database`` whose reads and writes all run in one open session."""

    session: Session

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.session.get_bind().dialect.name

    @property
    def keyring(self):
        """The keyring of the session (see ``triage.desk.tokens.keyring_of``)."""
        return self.session.info.get("keyring")

    @contextmanager
    def read(self) -> Iterator[Session]:
        """The open session itself (it sees what this transaction wrote)."""
        yield self.session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A savepoint of the open transaction: an error undoes this part only."""
        with self.session.begin_nested():
            yield self.session


@contextmanager
def one_transaction(db: Database | Joined) -> Iterator[Joined]:
    """One write transaction (committed at the end) that desk writers can share."""
    if isinstance(db, Joined):
        yield db
        return
    with db.write() as session:
        yield Joined(session)
