"""Public directory: home, organisations, initiatives."""
