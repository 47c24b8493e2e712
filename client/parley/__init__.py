"""Parley for Python in the browser: the widget and the library developers extend it with.

The public surface is `__all__`; every other module is private. The same code runs under PyScript's
MicroPython and Pyodide, and its pure parts (protocol, state) under CPython in the tests.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
