"""Fixtures for the data tests: the shared real annotation files and small
generated videos whose frames encode their index."""
import logging
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from mmengine.logging import MMLogger

SHARED = Path(__file__).resolve().parents[2] / '..' / 'shared'

# Frame i of a generated video is a solid gray of level GRAY_STEP * i.
GRAY_STEP = 10
GRAY_TOLERANCE = 4.5  # mpeg4 + limited-range YUV shift levels by < 4


@pytest.fixture
def fixtures_dir() -> Path:
    """``../shared/fixtures`` beside the repository; skip if absent."""
    path = SHARED / 'fixtures'
    if not path.is_dir():
        pytest.skip(f'real annotation fixtures not found at {path}')
    return path.resolve()


def write_gray_video(path: Path,
                     num_frames: int,
                     fps: float = 10.0,
                     size=(64, 48),
                     codec: str = 'mp4v') -> Path:
    """A video whose frame i is gray level GRAY_STEP * i.

    ``codec='mp4v'`` writes mpeg4 part 2 with OpenCV; ``'h264'`` writes
    H.264 with B-frames (libx264 through PyAV).
    """
    if GRAY_STEP * (num_frames - 1) > 255:
        raise ValueError(f'at most {255 // GRAY_STEP + 1} frames')
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = [
        np.full((size[1], size[0], 3), GRAY_STEP * i, np.uint8)
        for i in range(num_frames)
    ]
    if codec == 'h264':
        with av.open(str(path), 'w') as container:
            stream = container.add_stream('libx264', rate=int(fps))
            stream.width, stream.height = size
            stream.pix_fmt = 'yuv420p'
            for frame in frames:
                container.mux(
                    stream.encode(
                        av.VideoFrame.from_ndarray(frame, format='rgb24')))
            container.mux(stream.encode(None))
        return path
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*codec), fps, size)
    assert writer.isOpened(), f'OpenCV cannot write {path}'
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def _frame_numbers(imgs: np.ndarray) -> np.ndarray:
    levels = imgs.reshape(len(imgs), -1).mean(axis=1)
    numbers = np.round(levels / GRAY_STEP).astype(int)
    assert np.all(np.abs(levels - numbers * GRAY_STEP) < GRAY_TOLERANCE), \
        f'frames are not clean gray levels: {levels}'
    return numbers


@pytest.fixture
def frame_numbers():
    """Invert the gray coding: ``[F, H, W, 3]`` frames -> ``[F]`` numbers."""
    return _frame_numbers


@pytest.fixture
def gray_video(tmp_path):
    """Factory: ``gray_video(num_frames, name='v.mp4', fps=10.0,
    codec='mp4v')``."""

    def make(num_frames: int,
             name: str = 'v.mp4',
             fps: float = 10.0,
             codec: str = 'mp4v'):
        return write_gray_video(tmp_path / name, num_frames, fps, codec=codec)

    return make


@pytest.fixture
def mmengine_log():
    """Records logged through MMEngine's current logger during the test."""
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)
