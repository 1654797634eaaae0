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


def paginate(stmt, page, per_page, *options, count=None):
    """Run `stmt` (a SELECT of one model) for one page; `options` are loader options for the
    items; `count(compute)` may give the total from elsewhere (a kept one), else it is
    computed. The count and the sort read only the matching rows' keys: the page's few items
    are then loaded whole, so a long list never sorts its texts (bench/load.py)."""
    model = stmt.column_descriptions[0]["entity"]
    narrow = stmt.with_only_columns(model.id, maintain_column_froms=True)
    counted = narrow.order_by(None).with_only_columns(func.count(), maintain_column_froms=True)
    compute = lambda: db.session.scalar(counted)  # noqa: E731
    total = count(compute) if count else compute()
    ids = db.session.scalars(narrow.limit(per_page).offset((page - 1) * per_page)).all()
    ids = list(dict.fromkeys(ids))  # (a join may give a row twice)
    loaded = db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))
    by_id = {item.id: item for item in loaded}
    return Page(items=[by_id[i] for i in ids], total=total or 0, page=page, per_page=per_page)
