"""/roll: a slash command. Type `/roll 2d6` in a conversation and the widget sends "Rolled 2d6: 3 + 5 = 8".

Works as an extension of the copy-paste widget (list this file's URL in your site's settings) and inline
(`await parley.load_extensions("/ext/roll.py")` or paste it into your page's PyScript code).
"""

import random

import parley

MAX_DICE = 20
MAX_SIDES = 1000


def parse(spec):
    """'2d6' -> (2, 6); 'd20' -> (1, 20); '' -> (1, 6). ValueError for anything else or out of range."""
    spec = (spec or "1d6").strip().lower()
    count, sep, sides = spec.partition("d")
    if sep != "d" or not sides.isdigit() or (count and not count.isdigit()):
        raise ValueError("write it like 2d6 (dice d sides)")
    count = int(count) if count else 1
    sides = int(sides)
    if not (1 <= count <= MAX_DICE and 2 <= sides <= MAX_SIDES):
        raise ValueError("1 to " + str(MAX_DICE) + " dice of 2 to " + str(MAX_SIDES) + " sides")
    return count, sides


def roll(spec, rand=random.random):
    """The message for one roll; `rand()` gives floats in [0, 1) (injectable for tests)."""
    count, sides = parse(spec)
    faces = [int(rand() * sides) + 1 for _ in range(count)]
    text = "Rolled " + str(count) + "d" + str(sides) + ": " + " + ".join(str(f) for f in faces)
    return text + (" = " + str(sum(faces)) if count > 1 else "")


@parley.command("roll")
def on_roll(args, conversation):
    """Returning text sends it to the conversation; a bad spec only shows a hint to the visitor."""
    try:
        return roll(args)
    except ValueError as error:
        parley.notice("/roll: " + str(error))
        return None
