"""Helpers shared by test areas: store fixtures on SQLite and PostgreSQL, and test data makers."""
