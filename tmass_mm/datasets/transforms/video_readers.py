"""Video decoding backends behind one small interface.

A reader is opened on a path and exposes ``num_frames`` (decodable frames),
``fps`` and ``get_frames(indices) -> uint8 [len(indices), H, W, 3]`` RGB.
Backend failures surface as the exception types in the reader's
``ERRORS``; ``LoadVideoFrames`` turns them into a ``VideoReadError`` naming
the file and the sample.
"""
import warnings
from typing import Dict, Tuple, Type

import av
import numpy as np

try:
    import decord
except ImportError:  # e.g. no wheel for the platform (aarch64, macOS arm)
    decord = None


class VideoReadError(RuntimeError):
    """A video that is missing, cannot be decoded or has no frames."""


class DecordReader:
    """Frame-accurate random access with decord.

    Args:
        path (str): the video file.
        num_threads (int): decoder threads, 0 for decord's default.
    """

    ERRORS: Tuple[Type[BaseException],
                  ...] = (RuntimeError, ) + (() if decord is None else
                                             (decord.DECORDError, ))

    def __init__(self, path: str, num_threads: int = 1):
        self._reader = decord.VideoReader(path, num_threads=num_threads)
        self.num_frames = len(self._reader)
        self.fps = float(self._reader.get_avg_fps())

    def get_frames(self, indices: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(indices, return_inverse=True)
        frames = self._reader.get_batch(unique.tolist()).asnumpy()
        return frames[inverse]


class PyAVReader:
    """Sequential decoding with PyAV.

    ``num_frames`` is the number of the stream's packets (found by demuxing,
    which decodes nothing); ``get_frames`` decodes from the start up to the
    last wanted frame and converts only the wanted ones to RGB. If the
    decoder yields fewer frames than there are packets before a wanted
    index, ``VideoReadError`` is raised rather than guessing a frame.

    Args:
        path (str): the video file.
        num_threads (int): decoder threads, 0 for FFmpeg's default.
    """

    ERRORS: Tuple[Type[BaseException],
                  ...] = (av.FFmpegError, OSError, VideoReadError)

    def __init__(self, path: str, num_threads: int = 1):
        self._path = path
        self._num_threads = num_threads
        with av.open(path) as container:
            stream = self._video_stream(container)
            self.fps = float(stream.average_rate or stream.guessed_rate or 0)
            self.num_frames = sum(1 for packet in container.demux(stream)
                                  if packet.size > 0)

    def _video_stream(self, container):
        if not container.streams.video:
            raise VideoReadError('the file has no video stream')
        stream = container.streams.video[0]
        stream.thread_count = self._num_threads
        if self._num_threads != 1:
            stream.thread_type = 'AUTO'
        return stream

    def get_frames(self, indices: np.ndarray) -> np.ndarray:
        wanted = set(indices.tolist())
        last = max(wanted)
        decoded: Dict[int, np.ndarray] = {}
        with av.open(self._path) as container:
            stream = self._video_stream(container)
            for index, frame in enumerate(container.decode(stream)):
                if index in wanted:
                    decoded[index] = frame.to_ndarray(format='rgb24')
                if index == last:
                    break
        if last not in decoded:
            raise VideoReadError(
                f'the decoder produced fewer frames than the '
                f'{self.num_frames} packets of the stream (frame {last} '
                'is missing)')
        return np.stack([decoded[index] for index in indices.tolist()])


READERS = {'decord': DecordReader, 'pyav': PyAVReader}


def resolve_backend(backend: str) -> str:
    """``backend``, or ``'pyav'`` (with a warning) if decord is missing."""
    if backend not in READERS:
        raise ValueError(f'unknown video backend {backend!r}, expected one '
                         f'of {list(READERS)}')
    if backend == 'decord' and decord is None:
        warnings.warn('decord cannot be imported on this platform; '
                      'decoding videos with PyAV instead.')
        return 'pyav'
    return backend
