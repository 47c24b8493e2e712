"""Which Python runs the widget, in the words the widget reports to its host."""

import sys


def name():
    """'micropython' or 'pyodide' in the browser; 'cpython' elsewhere (tests)."""
    if sys.implementation.name == "micropython":
        return "micropython"
    if sys.platform == "emscripten":
        return "pyodide"
    return "cpython"
