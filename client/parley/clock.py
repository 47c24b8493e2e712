"""Wall-clock time in milliseconds since the epoch, the same on both interpreters.

Not JavaScript's Date.now(): MicroPython's FFI turns an integral JS number above 2**31 into a wrapped int
(1.79e12 ms came out as January 1970), while Python's own time.time() is right on both."""

import time


def now_ms():
    """Milliseconds since the epoch (UTC), as an int."""
    return int(time.time() * 1000)
