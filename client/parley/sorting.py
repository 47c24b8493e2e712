"""Sorting by a key that is computed once per item, under MicroPython as under CPython.

MicroPython's ``sorted(items, key=...)`` calls the key on every comparison of its quicksort, not once per
item as CPython does: 1,829 calls for 60 items (measured, MicroPython 1.27); and that sort is not stable.
With a key that looks up a friend's presence, sorting 60 friends took 33-131 ms in the widget's frame.
``sorted_by`` computes each key once and sorts (key, index) pairs: the order of CPython's
``sorted(items, key=key)``, stable, and the items themselves are never compared.
"""


def sorted_by(items, key):
    """A new list of ``items`` in the order of ``sorted(items, key=key)``."""
    decorated = [(key(item), index, item) for index, item in enumerate(items)]
    decorated.sort()
    return [entry[2] for entry in decorated]
