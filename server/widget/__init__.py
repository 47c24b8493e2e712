"""Serving the widget: the hashed bundle (/embed.js, /static), the copy-paste frame page (/frame) and its
cookie sign-in (/frame/session), and inline mode's config and CORS for developers' own PyScript pages."""
