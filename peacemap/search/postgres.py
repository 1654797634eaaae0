"""Search on PostgreSQL's own full-text search, for several app servers sharing one database.

Same behaviour as the Whoosh index: texts are normalised in Python first (accents, Arabic
letter forms, -isation/-ization) and Arabic words lightly stemmed (PostgreSQL's own `arabic`
configuration would stem them otherwise than the Whoosh index), then PostgreSQL's `english`
configuration stems the rest into a
weighted tsvector (names weight A, the rest weight B) under a GIN index. Facets are GROUP BYs
over the matched rows; "did you mean" compares unknown words with the indexed vocabulary.
"""

import re

from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError
from whoosh.support.levenshtein import damerau_levenshtein

from peacemap.extensions import db
from peacemap.search.analysis import spelling_analyzer
from peacemap.search.text import arabic_stem
from peacemap.search.whoosh.index import FACETS, IndexUnavailable

TABLE = "search_documents"
ARRAYS = ("country", "region", "theme")
DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    id text PRIMARY KEY, kind text NOT NULL, type text, verified text,
    country text[] NOT NULL DEFAULT '{{}}', region text[] NOT NULL DEFAULT '{{}}',
    theme text[] NOT NULL DEFAULT '{{}}', sort_name text, updated bigint, words text[],
    tsv tsvector NOT NULL
);
CREATE INDEX IF NOT EXISTS {table}_tsv ON {table} USING GIN (tsv);
"""
QUERY_TOKEN = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+')


def normalised(text):
    """Words as the index stores them before stemming: normalised, stop words dropped."""
    return " ".join(token.text for token in spelling_analyzer()(text or ""))


def searched(text):
    """Words as the index matches them: normalised, stop words dropped, Arabic stemmed (the
    English stemming is PostgreSQL's)."""
    return " ".join(arabic_stem(token.text) for token in spelling_analyzer()(text or ""))


def _lexeme(word):
    return "'" + word.replace("'", "''").replace("\\", "") + "'"


def tsquery(text, any_word=False):
    """A to_tsquery() string: AND of words (OR with `any_word`); (a OR b) groups, "phrases",
    NOT/-word. Everything a person types becomes a quoted lexeme, never query syntax."""
    groups, group, negate = [], None, False
    for part in QUERY_TOKEN.findall(text):
        if part == "(":
            group = []
            continue
        if part == ")":
            if group:
                groups.append("(" + " | ".join(group) + ")")
            group = None
            continue
        if part.upper() in ("OR", "AND"):
            continue
        if part.upper() == "NOT" or part == "-":
            negate = True
            continue
        if part.startswith("-") and len(part) > 1:
            negate, part = True, part[1:]
        words = searched(part.strip('"')).split()
        if not words:
            continue
        term = " <-> ".join(_lexeme(word) for word in words)
        term = f"({term})" if len(words) > 1 else term
        if negate:
            term, negate = f"!{term}", False
        if group is not None:
            group.append(term)
        else:
            groups.append(term)
    return (" | " if any_word else " & ").join(groups)


class PostgresIndex:
    """The search_documents table, used like the Whoosh index."""

    def __init__(self, table=TABLE):
        self.table = table

    def _execute(self, statement, params=None):
        try:
            return db.session.execute(sql(statement), params or {})
        except DBAPIError as error:
            db.session.rollback()
            raise IndexUnavailable(f"search table unavailable: {error.orig}") from error

    def exists(self):
        return bool(db.session.execute(sql("SELECT to_regclass(:t)"), {"t": self.table}).scalar())

    def read_spelling(self):
        """Nothing to read: PostgreSQL's suggestions need no dictionary in memory."""

    def spelling_texts(self, word):
        """None: this index stores no spelling texts (the records say how a word is written)."""
        return None

    def search(self, text, filters, page, per_page, sort):
        query = tsquery(text)
        if text.strip() and not query:
            return [], 0, {name: {} for name in FACETS}, ""
        found, total = self._page(query, filters, page, per_page, sort)
        if total == 0 and text.strip():
            query = tsquery(text, any_word=True)
            found, total = self._page(query, filters, page, per_page, sort)
        return found, total, self._facets(query, filters), query

    def ids(self, text, kind):
        """Ids of every `kind` record matching `text` (for the map: no ranking, no page)."""
        for any_word in (False, True):
            query = tsquery(text, any_word=any_word)
            if not query:
                return set()
            where, params = self._where(query, {"kind": kind})
            rows = self._execute(f"SELECT id FROM {self.table} {where}", params).scalars()
            found = {int(row.split(":")[1]) for row in rows}
            if found:
                return found
        return found

    def _where(self, query, filters):
        clauses, params = [], {}
        if query:
            clauses.append("tsv @@ to_tsquery('english', :q)")
            params["q"] = query
        for name, value in filters.items():
            if value:
                clauses.append(f":{name} = ANY({name})" if name in ARRAYS else f"{name} = :{name}")
                params[name] = value
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _page(self, query, filters, page, per_page, sort):
        where, params = self._where(query, filters)
        order = {
            "name": "sort_name, id",
            "updated": "updated DESC, id",
        }.get(sort, "ts_rank(tsv, to_tsquery('english', :q)) DESC, id" if query else "id")
        rows = self._execute(
            f"SELECT id, count(*) OVER () FROM {self.table} {where} ORDER BY {order} "
            "LIMIT :limit OFFSET :offset",
            {**params, "limit": per_page, "offset": (page - 1) * per_page},
        ).all()
        total = rows[0][1] if rows else self._count(where, params)
        found = [(kind, int(number)) for kind, number in (row[0].split(":") for row in rows)]
        return found, total

    def _count(self, where, params):
        return self._execute(f"SELECT count(*) FROM {self.table} {where}", params).scalar()

    def _facets(self, query, filters):
        where, params = self._where(query, filters)
        rows = self._execute(
            f"WITH matched AS (SELECT * FROM {self.table} {where}) "
            "SELECT f.name, f.value, count(*) FROM matched CROSS JOIN LATERAL ("
            "SELECT 'kind', matched.kind UNION ALL SELECT 'type', matched.type "
            "UNION ALL SELECT 'verified', matched.verified "
            "UNION ALL SELECT 'country', unnest(matched.country) "
            "UNION ALL SELECT 'region', unnest(matched.region) "
            "UNION ALL SELECT 'theme', unnest(matched.theme)) AS f(name, value) "
            "GROUP BY f.name, f.value",
            params,
        )
        facets = {name: {} for name in FACETS}
        for name, value, count in rows:
            if value:
                facets[name][value] = count
        return facets

    def suggest(self, text):
        """[(word as typed, close known word or None)] when some words of `text` are unknown
        to the index, else None."""
        changed, words = False, []
        for token in spelling_analyzer()(text or "", keeporiginal=True):
            word, typed = token.text, token.original
            known = self._execute(
                f"SELECT 1 FROM {self.table} WHERE :w = ANY(words) LIMIT 1", {"w": word}
            ).first()
            if not known:
                candidates = self._execute(
                    f"SELECT DISTINCT w FROM {self.table}, unnest(words) AS w "
                    "WHERE left(w, 1) = left(:w, 1) AND length(w) BETWEEN :low AND :high",
                    {"w": word, "low": len(word) - 2, "high": len(word) + 2},
                ).scalars()
                scored = sorted((damerau_levenshtein(word, c), c) for c in candidates)
                if scored and scored[0][0] <= 2:
                    words.append((typed, scored[0][1]))
                    changed = True
                    continue
            words.append((typed, None))
        return words if changed else None

    def stored_keys(self):
        if not self.exists():
            raise IndexUnavailable("no search table: run `flask search rebuild`")
        return dict(self._execute(f"SELECT id, updated FROM {self.table}").all())

    def _insert(self, table, document):
        params = {
            "id": document["id"],
            "kind": document["kind"],
            "type": document["type"],
            "verified": document["verified"],
            "sort_name": document["sort_name"],
            "updated": document["updated"],
            "names": searched(document["names"]),
            "text": searched(document["text"]),
            "words": sorted(set(normalised(document["spell"]).split())),
            **{name: [v for v in document[name].split(",") if v] for name in ARRAYS},
        }
        db.session.execute(
            sql(
                f"INSERT INTO {table} (id, kind, type, verified, country, region, theme, "
                "sort_name, updated, words, tsv) VALUES (:id, :kind, :type, :verified, "
                ":country, :region, :theme, :sort_name, :updated, :words, "
                "setweight(to_tsvector('english', :names), 'A') || "
                "setweight(to_tsvector('english', :text), 'B')) "
                "ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, type = EXCLUDED.type, "
                "verified = EXCLUDED.verified, country = EXCLUDED.country, "
                "region = EXCLUDED.region, theme = EXCLUDED.theme, "
                "sort_name = EXCLUDED.sort_name, updated = EXCLUDED.updated, "
                "words = EXCLUDED.words, tsv = EXCLUDED.tsv"
            ),
            params,
        )

    def update(self, documents=(), remove=()):
        for doc_id in remove:
            db.session.execute(sql(f"DELETE FROM {self.table} WHERE id = :id"), {"id": doc_id})
        for document in documents:
            self._insert(self.table, document)

    def compact(self):
        """Nothing here: a deleted row stays in the table's pages until the database is
        compacted (VACUUM FULL), which an erasure does for every table at once."""

    def rebuild(self, documents, progress=None):
        """Fill a new table, then swap it in within one transaction."""
        new = f"{self.table}_new"
        documents = list(documents)  # read the records before the DDL transaction
        db.session.execute(sql(f"DROP TABLE IF EXISTS {new}"))
        for statement in DDL.format(table=new).split(";"):
            if statement.strip():
                db.session.execute(sql(statement))
        for count, document in enumerate(documents, 1):
            self._insert(new, document)
            if progress:
                progress(count)
        db.session.execute(sql(f"DROP TABLE IF EXISTS {self.table}"))
        db.session.execute(sql(f"ALTER TABLE {new} RENAME TO {self.table}"))
        db.session.execute(sql(f"ALTER INDEX {new}_tsv RENAME TO {self.table}_tsv"))
        db.session.commit()
        return len(documents)
