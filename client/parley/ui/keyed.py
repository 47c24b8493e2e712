"""Children of one element kept by key, so that redrawing a long list touches only what changed.

A conversation's log is redrawn on every message, acknowledgement and read receipt. Rebuilding it costs a
few DOM calls per node for every message shown (each one a call across the Python/JavaScript bridge), so
the time to show a sent message grew with the conversation. ``KeyedChildren.update`` builds only the items
that are new or whose signature changed, and removes, inserts or moves only the nodes that differ.

No pyscript import: the parent only needs ``appendChild``, ``insertBefore`` and ``removeChild``, so this
runs, and is tested, under CPython too.
"""


class KeyedChildren:
    """The children of ``parent``, as (key, signature, node) in display order."""

    def __init__(self, parent):
        self.parent = parent
        self.order = []  # keys, in display order
        self.items = {}  # key -> (signature, node)

    def update(self, items):
        """Show ``items``, (key, signature, build) triples in display order: ``build()`` makes the node, and
        is called only for a key not shown yet or shown with another signature. Keys must be unique.
        Returns the number of nodes built."""
        parent, old_items = self.parent, self.items
        items_now, order, built = {}, [], 0
        for key, signature, build in items:
            if key in items_now:
                raise ValueError("duplicate key: " + repr(key))
            old = old_items.get(key)
            if old is None or old[0] != signature:
                old = (signature, build())
                built += 1
            items_now[key] = old
            order.append(key)
        kept = []  # keys whose node stays, in their current order
        for key in self.order:
            old = old_items[key]
            if items_now.get(key) is old:
                kept.append(key)
            else:
                parent.removeChild(old[1])
        moved = set()
        at = 0  # the first kept node not yet passed
        for key in order:
            while at < len(kept) and kept[at] in moved:
                at += 1
            if at < len(kept) and kept[at] == key:
                at += 1
                continue
            node = items_now[key][1]
            if at < len(kept):
                parent.insertBefore(node, items_now[kept[at]][1])
            else:
                parent.appendChild(node)
            moved.add(key)
        self.order, self.items = order, items_now
        return built
