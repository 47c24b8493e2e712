"""Parley server: OAuth identity provider, message relay and widget host (FastAPI)."""
