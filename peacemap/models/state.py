"""Counters shared by every app process through the database."""

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peacemap.extensions import db


class Counter(db.Model):
    """A named number that only goes up, e.g. the version of the published data."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class KeyCheck(db.Model):
    """A known text sealed under the data key and blind-indexed under the index key: tells a
    restore (or a start with the wrong keys) that the keys are not the data's."""

    __tablename__ = "key_checks"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)  # "data", "index"
    value: Mapped[str] = mapped_column(Text)
