"""Transitional name of parley.copypaste, the copy-paste widget's page: server/templates/frame.html still runs
`from parley.frame import main`. Delete this module once that line reads `from parley.copypaste import main`."""

from parley.copypaste import main

__all__ = ["main"]
