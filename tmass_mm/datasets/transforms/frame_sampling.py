"""Choosing which frames of a video to decode (docs/method.md §1),
for any backend."""
import math
from typing import Optional, Tuple

import numpy as np

SAMPLING_MODES = ('uniform', 'rand')


def frame_window(num_total: int,
                 fps: float,
                 start_time: Optional[float] = None,
                 end_time: Optional[float] = None) -> Tuple[int, int]:
    """The frames ``[first, first + count)`` that a time window covers.

    Args:
        num_total (int): decodable frames of the video (> 0).
        fps (float): frames per second.
        start_time, end_time (float | None): window in seconds; ``None``
            means the start / end of the video. The end is clipped to the
            video.

    Returns:
        tuple[int, int]: ``(first, count)``, ``count >= 1``.
    """
    if start_time is None and end_time is None:
        return 0, num_total
    if not fps or fps <= 0:
        raise ValueError(f'a time window needs the frame rate, got {fps}')
    first = max(0, math.floor((start_time or 0.0) * fps))
    if first >= num_total:
        raise ValueError(
            f'the window starts at {start_time} s but the video has only '
            f'{num_total} frames at {fps:g} fps')
    stop = num_total if end_time is None else min(num_total,
                                                  math.ceil(end_time * fps))
    return first, max(stop - first, 1)


def segment_bounds(num_total: int, num_frames: int) -> np.ndarray:
    """Cut points of ``num_frames`` segments of ``num_total`` frames.

    ``int(np.linspace(0, num_total, num_frames + 1))``, computed in floating
    point exactly as the public T-MASS loader does (for a few lengths at
    some frame counts, e.g. 392 frames into 24, this differs from the exact
    ``k * num_total // num_frames``). Segment ``k`` is the frames
    ``bounds[k] .. bounds[k + 1] - 1``.

    Returns:
        np.ndarray: ``[num_frames + 1]`` int64, from 0 to ``num_total``.
    """
    return np.linspace(0, num_total, num_frames + 1).astype(np.int64)


def sample_frame_indices(num_total: int,
                         num_frames: int,
                         mode: str = 'uniform',
                         first: int = 0) -> np.ndarray:
    """Indices of ``num_frames`` frames among ``first .. first+num_total-1``.

    The range is cut into ``num_frames`` segments by ``segment_bounds``;
    ``'uniform'`` takes the integer middle ``(a_k + a_{k+1} - 1) // 2`` of
    each segment ``a_k .. a_{k+1} - 1``, the frames the public T-MASS
    loader evaluates, and ``'rand'`` a random frame of each (``np.random``,
    so MMEngine's seeding applies). With fewer frames than ``num_frames``,
    every frame is taken once and the last one is repeated to fill up, in
    both modes.

    Returns:
        np.ndarray: ``[num_frames]`` int64, non-decreasing.
    """
    if num_total < 1:
        raise ValueError(f'cannot sample from {num_total} frames')
    if mode not in SAMPLING_MODES:
        raise ValueError(f'unknown sampling mode {mode!r}, expected one of '
                         f'{SAMPLING_MODES}')
    if num_total < num_frames:
        offsets = np.minimum(np.arange(num_frames), num_total - 1)
    else:
        bounds = segment_bounds(num_total, num_frames)
        low, high = bounds[:-1], bounds[1:]
        if mode == 'uniform':
            offsets = (low + high - 1) // 2
        else:
            offsets = np.random.randint(low, high)
    return first + offsets.astype(np.int64)
