"""The queue's own table: a member's saved filters (the shared views are data, ``views.yml``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.desk.models import Base, utcnow


class SavedFilter(Base):
    """A named set of queue filters (a query string) kept by one staff member."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("owner", "name", name="uq_saved_filters_owner_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
