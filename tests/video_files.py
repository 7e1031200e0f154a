"""Small generated videos for the decoding tests, and an independent decode.

``write_video`` encodes with PyAV any codec its FFmpeg build has; frames of
``patterned_frames`` differ from each other everywhere (a moving bar, a
level that grows with the index) and carry a white block in the top-left
corner, so that a wrong frame or a turned frame is seen.
"""
from fractions import Fraction
from pathlib import Path
from typing import Dict, Optional, Sequence

import av
import numpy as np
import pytest


def patterned_frames(num_frames: int, width: int, height: int) -> list:
    """``num_frames`` uint8 ``[height, width, 3]`` RGB frames."""
    frames = []
    for i in range(num_frames):
        frame = np.empty((height, width, 3), np.uint8)
        frame[:] = (12 * i % 256, 255 - 12 * i % 256, 100)
        bar = (4 * i) % width
        frame[height // 2:, bar:bar + max(width // 8, 2)] = (0, 0, 255)
        frame[:height // 3, :width // 3] = 255
        frames.append(frame)
    return frames


def require_encoder(*names: str) -> str:
    """The first of ``names`` this PyAV can encode with; skip if none."""
    for name in names:
        try:
            av.codec.Codec(name, 'w')
        except av.codec.codec.UnknownCodecError:
            continue
        return name
    pytest.skip(f'this PyAV build has none of the encoders {names}')


def write_video(path: Path,
                frames: Sequence[np.ndarray],
                codec: str = 'libx264',
                fps: int = 10,
                options: Optional[Dict[str, str]] = None,
                container_options: Optional[Dict[str, str]] = None,
                rotation: Optional[int] = None,
                pts_ms: Optional[Sequence[int]] = None) -> Path:
    """Encode ``frames`` (RGB) to ``path``; the suffix picks the container.

    Args:
        options: encoder options; ``container_options``: muxer options,
            e.g. ``{'movflags': 'faststart'}``.
        rotation (int | None): display-matrix rotation in degrees,
            counter-clockwise (how a player turns the stored frames).
        pts_ms (Sequence[int] | None): presentation times in milliseconds,
            for a variable frame rate; ``None``: a constant ``fps``.
    """
    height, width = frames[0].shape[:2]
    with av.open(str(path), 'w', options=container_options or {}) as out:
        stream = out.add_stream(
            codec, rate=None if pts_ms else fps, options=options or {})
        stream.width, stream.height = width, height
        stream.pix_fmt = 'yuv420p'
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i, frame in enumerate(frames):
            video_frame = av.VideoFrame.from_ndarray(frame, format='rgb24')
            if pts_ms:
                video_frame.pts = pts_ms[i]
                video_frame.time_base = Fraction(1, 1000)
            out.mux(stream.encode(video_frame))
        out.mux(stream.encode(None))
    return path


def decode_all(path: Path) -> np.ndarray:
    """Every frame PyAV decodes, as stored (no rotation applied):
    uint8 ``[N, H, W, 3]``; decoding stops quietly at a damaged packet."""
    frames = []
    with av.open(str(path)) as container:
        try:
            for frame in container.decode(video=0):
                frames.append(frame.to_ndarray(format='rgb24'))
        except av.FFmpegError:
            pass
    return np.stack(frames)
