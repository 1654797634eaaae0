"""A page of results, computed with one COUNT and one LIMIT/OFFSET query."""

from dataclasses import dataclass

from sqlalchemy import func, select

from peacemap.extensions import db


@dataclass
class Page:
    """Items of one page and what the pager needs to link the others."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        """Number of pages (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def first_index(self):
        """1-based position of the first item shown."""
        return (self.page - 1) * self.per_page + 1


def paginate(stmt, page, per_page, *options):
    """Run `stmt` for one page; `options` are loader options for the items."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = (
        db.session.scalars(stmt.options(*options).limit(per_page).offset((page - 1) * per_page))
        .unique()
        .all()
    )
    return Page(items=items, total=total or 0, page=page, per_page=per_page)
