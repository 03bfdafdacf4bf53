"""Reports rendered from analyses (self-contained HTML)."""
