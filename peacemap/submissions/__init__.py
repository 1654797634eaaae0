"""Public proposals: new organisations and initiatives, corrections, reports, tracking."""
