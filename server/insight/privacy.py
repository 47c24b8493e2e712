"""What a site owner may see of the counts: small numbers suppressed, the rest coarsened.

A count of 1 to 4 is shown as "<5" (it could single out a visitor the owner knows); 0 is shown as 0; 5 and
more are rounded to the nearest multiple of 5 (halves up), so one more or one fewer person rarely changes what
is shown. A page appears among the top pages only with at least 5 shares over the chosen days. The same rule
applies to the console, the CSV and the JSON.
"""

from __future__ import annotations

THRESHOLD = 5
STEP = 5
SUPPRESSED = f"<{THRESHOLD}"

Shown = int | str


def shown(count: int) -> Shown:
    """A count as a site owner sees it: 0, "<5", or rounded to a multiple of 5."""
    if count <= 0:
        return 0
    if count < THRESHOLD:
        return SUPPRESSED
    return STEP * ((count + STEP // 2) // STEP)


def page_shown(shares: int) -> bool:
    """Whether a page is listed among the top pages."""
    return shares >= THRESHOLD


def magnitude(value: Shown) -> float:
    """A shown value as a number for drawing (a suppressed one as the middle of its range, 2.5)."""
    return THRESHOLD / 2 if value == SUPPRESSED else float(value)
