"""KeyedChildren under CPython: the log's children end in display order, and only what changed is built or
touched (the browser tests check the same log in real DOM on both runtimes)."""

from __future__ import annotations

import itertools
import random

import pytest
from parley.ui.keyed import KeyedChildren


class Node:
    _ids = itertools.count()

    def __init__(self, label: str) -> None:
        self.label = label
        self.id = next(self._ids)
        self.parent: Parent | None = None


class Parent:
    """The three DOM methods KeyedChildren uses, on a list, counting the calls."""

    def __init__(self) -> None:
        self.children: list[Node] = []
        self.calls = 0

    def _detach(self, node: Node) -> None:
        if node.parent is self:
            self.children.remove(node)

    def appendChild(self, node: Node) -> None:
        self.calls += 1
        self._detach(node)
        self.children.append(node)
        node.parent = self

    def insertBefore(self, node: Node, ref: Node) -> None:
        self.calls += 1
        assert ref.parent is self and ref is not node
        self._detach(node)
        self.children.insert(self.children.index(ref), node)
        node.parent = self

    def removeChild(self, node: Node) -> None:
        self.calls += 1
        assert node.parent is self
        self.children.remove(node)
        node.parent = None


def items(spec: list[tuple[str, str]]):
    return [(key, sig, (lambda key=key, sig=sig: Node(f"{key}:{sig}"))) for key, sig in spec]


def labels(parent: Parent) -> list[str]:
    return [node.label for node in parent.children]


def test_a_new_message_builds_one_node_and_appends_it():
    parent = Parent()
    keyed = KeyedChildren(parent)
    log = [("day", "Today")] + [(f"m{i}", "sent") for i in range(50)]
    assert keyed.update(items(log)) == 51
    first = list(parent.children)
    parent.calls = 0
    assert keyed.update(items([*log, ("p1", "sending")])) == 1
    assert parent.calls == 1
    assert parent.children[:51] == first  # the same nodes, untouched
    assert labels(parent)[-1] == "p1:sending"


def test_an_ack_replaces_the_pending_item_and_nothing_else():
    parent = Parent()
    keyed = KeyedChildren(parent)
    log = [(f"m{i}", "sent") for i in range(30)]
    keyed.update(items([*log, ("p1", "sending"), ("p2", "sending")]))
    kept = parent.children[:30]
    parent.calls = 0
    built = keyed.update(items([*log, ("m30", "sent"), ("p2", "sending")]))  # p1 acked as m30
    assert built == 1
    assert parent.calls == 2  # remove p1's node, insert m30's before p2's
    assert labels(parent) == [f"m{i}:sent" for i in range(31)] + ["p2:sending"]
    assert parent.children[:30] == kept


def test_a_changed_signature_rebuilds_that_item_in_place():
    parent = Parent()
    keyed = KeyedChildren(parent)
    keyed.update(items([("a", "sent"), ("b", "sent"), ("c", "sent")]))
    a, c = parent.children[0], parent.children[2]
    assert keyed.update(items([("a", "sent"), ("b", "read"), ("c", "sent")])) == 1
    assert labels(parent) == ["a:sent", "b:read", "c:sent"]
    assert parent.children[0] is a and parent.children[2] is c


def test_an_older_page_is_inserted_before_what_is_shown():
    parent = Parent()
    keyed = KeyedChildren(parent)
    keyed.update(items([("older", ""), ("day1", "Today"), ("m10", "x"), ("m11", "x")]))
    shown = parent.children[1:]
    parent.calls = 0
    keyed.update(items([("day0", "Mon"), ("m1", "x"), ("m2", "x"), ("day1", "Today"), ("m10", "x"), ("m11", "x")]))
    assert labels(parent) == ["day0:Mon", "m1:x", "m2:x", "day1:Today", "m10:x", "m11:x"]
    assert parent.children[3:] == shown
    assert parent.calls == 4  # the "older" button removed, three items inserted


def test_duplicate_keys_are_refused():
    keyed = KeyedChildren(Parent())
    with pytest.raises(ValueError, match="duplicate key"):
        keyed.update(items([("a", "1"), ("a", "2")]))


@pytest.mark.parametrize("seed", range(40))
def test_any_sequence_of_updates_ends_in_the_asked_order(seed):
    rng = random.Random(seed)
    parent = Parent()
    keyed = KeyedChildren(parent)
    for _ in range(12):
        keys = rng.sample(range(30), rng.randint(0, 15))
        spec = [(str(k), rng.choice("ab")) for k in keys]
        keyed.update(items(spec))
        assert labels(parent) == [f"{k}:{s}" for k, s in spec]
        assert all(node.parent is parent for node in parent.children)
