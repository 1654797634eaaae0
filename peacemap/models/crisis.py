"""Crisis areas: a country or one of its regions where every listed record is shown coarsened.

An admin sets one with a reason; it stays active until lifted, and is kept afterwards (who set
it and when, who lifted it and when) for the admins' page and the audit trail.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peacemap.extensions import db
from peacemap.models.base import UTCDateTime, utcnow


class CrisisArea(db.Model):
    """A country (`admin1` empty) or a region of it in crisis mode while `lifted_at` is empty."""

    __tablename__ = "crisis_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    admin1: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    set_by = relationship("User", foreign_keys=[set_by_id])
    lifted_by = relationship("User", foreign_keys=[lifted_by_id])

    __table_args__ = (
        CheckConstraint("lifted_at IS NULL OR lifted_at >= set_at", name="lifted_after_set"),
        Index("ix_crisis_areas_active", "country", "admin1", "lifted_at"),
    )

    @property
    def active(self):
        return self.lifted_at is None
