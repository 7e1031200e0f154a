"""Resampling a stream of timed frames to a constant frame rate.

Output frame ``k`` stands for time ``k / rate``. Each source frame is
assigned to the output slot nearest to its start time,
``round(start * rate)`` (halves up); a slot shows the last source frame
assigned to it or, if none was, repeats the previous slot's frame. The
output ends at the slot nearest to the end of the last source frame (at
least one frame). This is the rule of FFmpeg's ``fps`` filter; exact
fractions keep timestamps such as ``k * 1001 / 30000`` from drifting.
"""
from fractions import Fraction
from typing import Any, Iterable, Iterator, Tuple


def nearest_slot(time: Fraction, rate: Fraction) -> int:
    """``round(time * rate)`` with halves rounded up."""
    return int((Fraction(time) * rate + Fraction(1, 2)) // 1)


def constant_rate_frames(timed_frames: Iterable[Tuple[Fraction, Fraction,
                                                      Any]],
                         rate: Fraction) -> Iterator[Any]:
    """The frame of each output slot ``0, 1, 2, ...`` in order.

    Args:
        timed_frames: ``(start, end, frame)`` in presentation order, times
            in seconds from the first frame's start.
        rate (Fraction): output frames per second.

    Yields:
        the source frame of each slot (the same object for repeated slots).
    """
    next_slot = 0
    pending = None
    end = Fraction(0)
    for start, end, frame in timed_frames:
        slot = nearest_slot(start, rate)
        while pending is not None and next_slot < slot:
            yield pending
            next_slot += 1
        pending = frame
    if pending is None:
        return
    last_slot = max(nearest_slot(end, rate), 1)
    while next_slot < last_slot:
        yield pending
        next_slot += 1
