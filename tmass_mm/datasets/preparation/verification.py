"""Checking an output with the loader that training uses."""
import os.path as osp
from fractions import Fraction
from typing import Tuple

import av

from tmass_mm.datasets.transforms import LoadVideoFrames, VideoReadError
from .encode_settings import PreparationError
from .video_stats import VideoStats

# frames decoded to check an output: the recipe's clip length
VERIFY_FRAMES = 12


def verify_output(path: str, frames: int, size: Tuple[int, int],
                  rate: Fraction, backend: str) -> VideoStats:
    """Decode ``path`` with ``LoadVideoFrames`` and check what was written.

    ``VERIFY_FRAMES`` uniformly sampled frames are decoded (the last one
    near the end of the video); the loader must count ``frames`` frames of
    ``size = (width, height)`` and the container must declare ``rate``.

    Returns:
        VideoStats: of the output.

    Raises:
        PreparationError: naming what does not match or why it does not
            decode.
    """
    loader = LoadVideoFrames(num_frames=VERIFY_FRAMES, backend=backend)
    try:
        results = loader(dict(video_path=path, video_id=osp.basename(path)))
    except (FileNotFoundError, VideoReadError) as err:
        raise PreparationError(f'the output does not decode: {err}') from err
    width, height = size
    decoded = (results['total_frames'], ) + tuple(results['imgs'].shape[1:3])
    if decoded != (frames, height, width):
        raise PreparationError(
            f'the output decodes to {decoded[0]} frames of '
            f'{decoded[2]}x{decoded[1]}, but {frames} frames of '
            f'{width}x{height} were written')
    with av.open(path) as container:
        declared = container.streams.video[0].average_rate
    if declared is None or abs(float(declared) - float(rate)) > 1e-3:
        raise PreparationError(f'the output declares {declared} fps, but '
                               f'{float(rate):g} fps were written')
    return VideoStats(
        frames=frames,
        fps=float(rate),
        duration=float(frames / rate),
        width=width,
        height=height,
        bytes=osp.getsize(path))
