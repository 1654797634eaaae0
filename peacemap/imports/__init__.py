"""Imports of organisations: the file readers (readers.py), OCHA 3W sheets (threew.py),
matching and merging with published records (merging.py), the run itself (importer.py) and
the admins' upload page (views.py)."""
