"""The read API under /api/v1/ (no language prefix; `?lang=` selects text): the views, the
records as the API shows them (resources.py) and the OpenAPI description (openapi.py, with its
schemas in schemas.py)."""
