"""Parley as an OAuth 2.0 authorization server for registered sites (authlib core, Starlette adapter)."""

from __future__ import annotations

from .routes import oauth_router

__all__ = ["oauth_router"]
