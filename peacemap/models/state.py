"""Counters shared by every app process through the database."""

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from peacemap.extensions import db


class Counter(db.Model):
    """A named number that only goes up, e.g. the version of the published data."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
