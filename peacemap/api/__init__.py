"""The read API under /api/v1/ (no language prefix; `?lang=` selects text)."""
