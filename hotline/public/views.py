"""Views (filled in as the domain lands)."""
