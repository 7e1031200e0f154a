"""Video decoding backends behind one small interface.

A reader is opened on a path and exposes ``num_frames`` (decodable frames),
``announced_frames`` (the frame count the container's header announces, 0
when it announces none), ``fps`` and ``get_frames(indices) -> uint8
[len(indices), H, W, 3]`` RGB, upright: a display-matrix rotation (phone
videos) is applied. Backend failures surface as the exception types in the
reader's ``ERRORS``; ``LoadVideoFrames`` turns them into a
``VideoReadError`` naming the file and the sample.
"""
import re
import warnings
from typing import Dict, Tuple, Type

import av
import numpy as np

from .decord_install import import_decord

decord = import_decord()  # None without a wheel for the platform

# Decodable frames may fall short of the announced count by at most this.
MAX_MISSING_FRACTION = 0.1


class VideoReadError(RuntimeError):
    """A video that is missing, cannot be decoded or has no frames."""


def announced_frame_count(path: str) -> int:
    """Frames the container header announces for the first video stream.

    0 when the container announces none (Matroska / WebM, MPEG-TS,
    fragmented mp4) or PyAV cannot read the header.
    """
    try:
        with av.open(path) as container:
            streams = container.streams.video
            return int(streams[0].frames) if streams else 0
    except (av.FFmpegError, OSError):
        return 0


def checked_frame_count(reader) -> int:
    """``reader.num_frames`` after checking that the file is complete.

    Raises ``VideoReadError`` when the video has no decodable frame, or
    when its decodable frames fall short of what the container announces
    by more than ``MAX_MISSING_FRACTION`` (a truncated file whose index is
    at the front still announces every frame). Where the container
    announces no count, the decodable count is taken as it is.
    """
    count, announced = reader.num_frames, reader.announced_frames
    if count < 1:
        raise VideoReadError('the video has no decodable frame')
    if count < (1 - MAX_MISSING_FRACTION) * announced:
        raise VideoReadError(
            f'only {count} of the {announced} frames the container '
            'announces can be decoded: the file is probably truncated (an '
            'interrupted download or copy); fetch it again')
    return count


def upright(frame: np.ndarray, rotation: float) -> np.ndarray:
    """Turn an ``[H, W, 3]`` frame by its display rotation.

    Args:
        frame (np.ndarray): the decoded frame.
        rotation (float): counter-clockwise degrees, as PyAV's
            ``VideoFrame.rotation`` reads them from the display matrix.
    """
    return np.rot90(frame, k=round(rotation / 90) % 4)


def _decord_message(err: BaseException) -> str:
    """decord's message without its log prefixes (``[12:00:00] file.cc:1:``)
    and C++ stack trace: its first line."""
    lines = str(err).strip().splitlines() or [type(err).__name__]
    return re.sub(r'\[[\d:]+\] \S+:\d+: ', '', lines[0]).strip()


class DecordReader:
    """Frame-accurate random access with decord (decord2 applies the
    display rotation itself). Its failures are raised as
    ``VideoReadError`` with decord's message.

    Args:
        path (str): the video file.
        num_threads (int): decoder threads, 0 for decord's default.
    """

    ERRORS: Tuple[Type[BaseException], ...] = (VideoReadError, )
    _DECORD_ERRORS: Tuple[Type[BaseException],
                          ...] = (RuntimeError, IndexError) + (
                              () if decord is None else (decord.DECORDError, ))

    def __init__(self, path: str, num_threads: int = 1):
        try:
            self._reader = decord.VideoReader(path, num_threads=num_threads)
            self.num_frames = len(self._reader)
            self.fps = float(self._reader.get_avg_fps())
        except self._DECORD_ERRORS as err:
            raise VideoReadError(_decord_message(err)) from err
        self.announced_frames = announced_frame_count(path)

    def get_frames(self, indices: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(indices, return_inverse=True)
        try:
            frames = self._reader.get_batch(unique.tolist()).asnumpy()
        except self._DECORD_ERRORS as err:
            raise VideoReadError(_decord_message(err)) from err
        return frames[inverse]


class PyAVReader:
    """Sequential decoding with PyAV.

    ``num_frames`` is the number of the stream's packets (found by demuxing,
    which decodes nothing); ``get_frames`` decodes from the start up to the
    last wanted frame and converts only the wanted ones to RGB. If the
    decoder yields fewer frames than there are packets before a wanted
    index, or fails before it, ``VideoReadError`` is raised rather than
    guessing a frame.

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
            self.announced_frames = int(stream.frames)
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
            try:
                for index, frame in enumerate(container.decode(stream)):
                    if index in wanted:
                        decoded[index] = upright(
                            frame.to_ndarray(format='rgb24'), frame.rotation)
                    if index == last:
                        break
            except av.FFmpegError as err:
                raise VideoReadError(
                    f'decoding stopped before frame {last} ({err}): the '
                    'file is damaged or truncated') from err
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
