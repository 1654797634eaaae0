"""The exports under /api/v1/exports/: the views, the flat rows they write (rows.py) and the
columns those rows have, which imports read back (columns.py)."""
