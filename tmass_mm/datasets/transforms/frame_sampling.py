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


def sample_frame_indices(num_total: int,
                         num_frames: int,
                         mode: str = 'uniform',
                         first: int = 0) -> np.ndarray:
    """Indices of ``num_frames`` frames among ``first .. first+num_total-1``.

    The range is cut into ``num_frames`` equal segments; ``'uniform'`` takes
    the frame at the middle of each segment, ``'rand'`` a random frame of
    each (``np.random``, so MMEngine's seeding applies). With fewer frames
    than ``num_frames``, every frame is taken once and the last one is
    repeated to fill up, in both modes.

    Returns:
        np.ndarray: ``[num_frames]`` int64, non-decreasing.
    """
    if num_total < 1:
        raise ValueError(f'cannot sample from {num_total} frames')
    if mode not in SAMPLING_MODES:
        raise ValueError(f'unknown sampling mode {mode!r}, expected one of '
                         f'{SAMPLING_MODES}')
    segments = np.arange(num_frames, dtype=np.int64)
    if num_total < num_frames:
        offsets = np.minimum(segments, num_total - 1)
    elif mode == 'uniform':
        # floor((k + 1/2) * n / F), in integers
        offsets = (2 * segments + 1) * num_total // (2 * num_frames)
    else:
        # frames whose start lies in [k n / F, (k + 1) n / F)
        low = -(-segments * num_total // num_frames)
        high = -(-(segments + 1) * num_total // num_frames)
        offsets = np.random.randint(low, high)
    return first + offsets.astype(np.int64)
