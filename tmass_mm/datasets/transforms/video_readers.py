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
from typing import Dict, List, Optional, Tuple, Type

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from .decord_install import import_decord

decord = import_decord()  # None without a wheel for the platform

#: ``AV_PICTURE_TYPE_I``, PyAV's ``frame.pict_type`` of an intra picture
_INTRA_PICTURE = 1
# Decodable frames may fall short of the announced count by at most this.
MAX_MISSING_FRACTION = 0.1


class VideoReadError(RuntimeError):
    """A video that is missing, cannot be decoded or has no frames."""


class NotIntraOnly(Exception):
    """Raised by ``PyAVReader(..., intra_only_or_stop=True)`` for a stream
    that is not intra-only; carries the announced frame count read so far.
    """

    def __init__(self, announced_frames: int):
        super().__init__('the stream is not intra-only')
        self.announced_frames = announced_frames


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
        announced_frames (int, optional): the container's announced frame
            count when the caller has read it already (else read here).
    """

    ERRORS: Tuple[Type[BaseException], ...] = (VideoReadError, )
    _DECORD_ERRORS: Tuple[Type[BaseException],
                          ...] = (RuntimeError, IndexError) + (
                              () if decord is None else (decord.DECORDError, ))

    def __init__(self,
                 path: str,
                 num_threads: int = 1,
                 announced_frames: Optional[int] = None):
        try:
            self._reader = decord.VideoReader(path, num_threads=num_threads)
            self.num_frames = len(self._reader)
            self.fps = float(self._reader.get_avg_fps())
        except self._DECORD_ERRORS as err:
            raise VideoReadError(_decord_message(err)) from err
        self.announced_frames = (
            announced_frame_count(path)
            if announced_frames is None else announced_frames)

    def get_frames(self, indices: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(indices, return_inverse=True)
        try:
            frames = self._reader.get_batch(unique.tolist()).asnumpy()
        except self._DECORD_ERRORS as err:
            raise VideoReadError(_decord_message(err)) from err
        return frames[inverse]


class PyAVReader:
    """Decoding with PyAV.

    The constructor demuxes the stream (reads packets, decodes nothing):
    ``num_frames`` is the number of non-empty packets. In an intra-only
    stream (every packet a key frame, in presentation order, as
    ``tools/data/prepare_videos.py`` writes by default) each frame decodes
    on its own, so ``get_frames`` decodes exactly the wanted frames; a
    decoded frame that turns out not to be an intra picture sends it back
    to the general path. Otherwise it decodes from the start up to the last
    wanted frame. Either way only the wanted frames are converted to RGB,
    and a frame the decoder does not produce is a ``VideoReadError``
    rather than a guess.

    Args:
        path (str): the video file.
        num_threads (int): decoder threads, 0 for FFmpeg's default.
        intra_only_or_stop (bool): stop reading at the first sign that the
            stream is not intra-only (a packet that is not a key frame) and
            raise ``NotIntraOnly`` instead: what ``open_reader('auto')``
            uses to hand such a file to decord without reading it through.

    Attributes: ``intra_only`` (whether the stream is intra-only, see
    above), ``last_decoded`` (frames the decoder produced in the last
    ``get_frames``: its cost).
    """

    ERRORS: Tuple[Type[BaseException],
                  ...] = (av.FFmpegError, OSError, VideoReadError)

    def __init__(self,
                 path: str,
                 num_threads: int = 1,
                 intra_only_or_stop: bool = False):
        self._path = path
        self._num_threads = num_threads
        self.last_decoded = 0
        container = av.open(path)
        try:
            stream = self._video_stream(container)
            self.fps = float(stream.average_rate or stream.guessed_rate or 0)
            self.announced_frames = int(stream.frames)
            packets = []
            for packet in container.demux(stream):
                if packet.size == 0:  # the demuxer's final flush packet
                    continue
                if intra_only_or_stop and not packet.is_keyframe:
                    raise NotIntraOnly(self.announced_frames)
                packets.append((packet.pts, packet.is_keyframe))
            times = [pts for pts, _ in packets]
            self.intra_only = (
                all(key for _, key in packets) and None not in times
                and all(a < b for a, b in zip(times, times[1:])))
            if intra_only_or_stop and not self.intra_only:
                raise NotIntraOnly(self.announced_frames)
        except BaseException:
            container.close()
            raise
        self.num_frames = len(packets)
        self._times = times
        # an intra-only stream is decoded from this opening (saves ~2 ms)
        self._open = container if self.intra_only else None
        if not self.intra_only:
            container.close()

    def _video_stream(self, container):
        if not container.streams.video:
            raise VideoReadError('the file has no video stream')
        stream = container.streams.video[0]
        stream.thread_count = self._num_threads
        if self._num_threads != 1:
            stream.thread_type = 'AUTO'
        return stream

    def get_frames(self, indices: np.ndarray) -> np.ndarray:
        wanted = sorted(set(indices.tolist()))
        if max(wanted) >= self.num_frames:
            raise VideoReadError(
                f'frame {max(wanted)} is past the {self.num_frames} frames '
                'of the stream')
        decoded = self._decode_intra(wanted) if self.intra_only else None
        if decoded is None:
            decoded = self._decode_from_start(wanted)
        return np.stack([decoded[index] for index in indices.tolist()])

    def _decode_intra(self, wanted: List[int]) -> Optional[dict]:
        """``{display index: RGB frame}`` decoding the wanted packets only,
        each on its own; ``None`` if a frame does not come out as an intra
        picture."""
        missing = {self._times[index]: index for index in wanted}
        convert = _RGBConverter()
        decoded: Dict[int, np.ndarray] = {}
        container, self._open = self._open or av.open(self._path), None
        with container:
            stream = self._video_stream(container)
            codec = stream.codec_context
            try:
                container.seek(0)
                for packet in container.demux(stream):
                    index = missing.pop(packet.pts, None)
                    if index is None:
                        continue
                    frames = codec.decode(packet) + codec.decode(None)
                    codec.flush_buffers()
                    if len(frames) != 1 or int(
                            frames[0].pict_type) != _INTRA_PICTURE:
                        return None
                    decoded[index] = convert(frames[0])
                    if not missing:
                        break
            except av.FFmpegError:
                return None
        self.last_decoded = len(decoded)
        return None if missing else decoded

    def _decode_from_start(self, wanted: List[int]) -> dict:
        """``{display index: RGB frame}``, decoding the stream in order up
        to the last wanted frame (frames counted as they come out)."""
        last, wanted = max(wanted), set(wanted)
        decoded: Dict[int, np.ndarray] = {}
        convert = _RGBConverter()
        with av.open(self._path) as container:
            stream = self._video_stream(container)
            try:
                for index, frame in enumerate(container.decode(stream)):
                    self.last_decoded = index + 1
                    if index in wanted:
                        decoded[index] = convert(frame)
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
        return decoded


class _RGBConverter:
    """Upright RGB arrays of decoded frames, with one conversion context
    for all of them (PyAV's ``to_ndarray`` builds one per frame)."""

    def __init__(self):
        self._reformatter = VideoReformatter()

    def __call__(self, frame) -> np.ndarray:
        rgb = self._reformatter.reformat(frame, format='rgb24').to_ndarray()
        return upright(rgb, frame.rotation)


READERS = {'decord': DecordReader, 'pyav': PyAVReader}
BACKENDS = ('auto', *READERS)
#: what any reader raises for a file it cannot read
READ_ERRORS = DecordReader.ERRORS + PyAVReader.ERRORS


def open_reader(backend: str, path: str, num_threads: int = 1):
    """A reader of ``path``. ``'auto'``: PyAV for an intra-only stream (it
    decodes just the wanted frames, see :class:`PyAVReader`), decord for
    any other stream (known at its first predicted frame, so a long source
    is not read through twice) or a file PyAV cannot open."""
    if backend != 'auto':
        return READERS[backend](path, num_threads=num_threads)
    try:
        return PyAVReader(path, num_threads, intra_only_or_stop=True)
    except NotIntraOnly as probe:
        return DecordReader(
            path, num_threads, announced_frames=probe.announced_frames)
    except PyAVReader.ERRORS:
        return DecordReader(path, num_threads)


def resolve_backend(backend: str) -> str:
    """``backend``, or ``'pyav'`` (with a warning) if it needs decord and
    decord is missing."""
    if backend not in BACKENDS:
        raise ValueError(f'unknown video backend {backend!r}, expected one '
                         f'of {list(BACKENDS)}')
    if backend != 'pyav' and decord is None:
        warnings.warn('decord cannot be imported on this platform; '
                      'decoding videos with PyAV instead.')
        return 'pyav'
    return backend
