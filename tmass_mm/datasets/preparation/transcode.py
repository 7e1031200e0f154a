"""Re-encoding one video to H.264 mp4 at a constant frame rate with PyAV."""
import os.path as osp
from fractions import Fraction
from typing import Iterator, Optional, Tuple

import av

from .constant_rate import constant_rate_frames
from .encode_settings import EncodeSettings, PreparationError
from .video_stats import VideoStats


class H264Writer:
    """An mp4 file of H.264 frames at ``rate`` with square pixels; the
    stream is set up from the first frame, whose displayed size gives the
    output size.

    Args:
        path (str): the file to write (the mp4 format is forced, whatever
            the name).
        rate (Fraction): frames per second.
        settings (EncodeSettings): size and x264 options.
        pixel_aspect (Fraction): width / height of a source pixel.
    """

    def __init__(self,
                 path: str,
                 rate: Fraction,
                 settings: EncodeSettings,
                 pixel_aspect: Fraction = Fraction(1)):
        self.rate = rate
        self.settings = settings
        self.pixel_aspect = pixel_aspect
        self.frames_written = 0
        self.size: Optional[Tuple[int, int]] = None
        self._container = av.open(path, 'w', format='mp4')
        self._stream = None
        self._source = self._converted = None

    def _open_stream(self, frame: av.VideoFrame) -> None:
        self.size = self.settings.output_size(frame.width * self.pixel_aspect,
                                              Fraction(frame.height))
        stream = self._container.add_stream('libx264', rate=self.rate)
        stream.width, stream.height = self.size
        stream.pix_fmt = 'yuv420p'
        stream.options = self.settings.x264_options()
        stream.codec_context.thread_count = 1
        self._stream = stream

    def write(self, frame: av.VideoFrame) -> None:
        """Append ``frame`` as the next output frame (scaled and converted
        once however often it repeats)."""
        if self._stream is None:
            self._open_stream(frame)
        if frame is not self._source:
            width, height = self.size
            self._source = frame
            self._converted = frame.reformat(
                width=width,
                height=height,
                format='yuv420p',
                interpolation='BICUBIC')
        self._converted.pts = self.frames_written
        self._converted.time_base = 1 / self.rate
        self._container.mux(self._stream.encode(self._converted))
        self.frames_written += 1

    def flush(self) -> None:
        """Write the frames the encoder still holds."""
        if self._stream is not None:
            self._container.mux(self._stream.encode(None))

    def close(self) -> None:
        self._container.close()


class _DecodedFrames:
    """The decoded frames of ``stream`` as ``(start, end, frame)``, seconds
    from the first frame (a frame without timestamp follows the previous
    one), counting them and keeping the end of the last one and the size
    of the first."""

    def __init__(self, container, stream, frame_duration: Fraction):
        self._container = container
        self._stream = stream
        self._frame_duration = frame_duration
        self.count = 0
        self.end = Fraction(0)
        self.size = (0, 0)

    def __iter__(self) -> Iterator[Tuple[Fraction, Fraction, av.VideoFrame]]:
        first = None
        start = -self._frame_duration
        for frame in self._container.decode(self._stream):
            if frame.pts is not None and frame.time_base is not None:
                time = frame.pts * Fraction(frame.time_base)
                first = time if first is None else first
                start = time - first
            else:
                start = start + self._frame_duration
            duration = self._frame_duration
            if frame.duration and frame.time_base is not None:
                duration = frame.duration * Fraction(frame.time_base)
            if self.count == 0:
                self.size = (frame.width, frame.height)
            self.count += 1
            self.end = max(self.end, start + duration)
            yield start, start + duration, frame


def transcode(source: str, output: str,
              settings: EncodeSettings) -> Tuple[VideoStats, H264Writer]:
    """Decode ``source`` and write it to ``output`` re-encoded.

    Audio and other streams are dropped; the first video stream is kept.

    Returns:
        tuple[VideoStats, H264Writer]: the source's statistics (frames
        decoded, its average rate, the end time of its last frame, the
        coded size of its first frame) and the closed writer
        (``frames_written``, ``size``, ``rate``).

    Raises:
        PreparationError: no video stream, no decodable frame or an unknown
            rate with ``fps=0``; PyAV's errors for undecodable data.
    """
    with av.open(source) as container:
        if not container.streams.video:
            raise PreparationError('the file has no video stream')
        stream = container.streams.video[0]
        stream.thread_count = 1
        source_rate = stream.average_rate or stream.guessed_rate
        rate = settings.output_rate(source_rate)
        decoded = _DecodedFrames(container, stream,
                                 1 / Fraction(source_rate or rate))
        writer = H264Writer(output, rate, settings,
                            Fraction(stream.sample_aspect_ratio or 1))
        try:
            for frame in constant_rate_frames(decoded, rate):
                writer.write(frame)
            writer.flush()
        finally:
            writer.close()
    if decoded.count == 0:
        raise PreparationError('the file has no decodable frame')
    stats = VideoStats(
        frames=decoded.count,
        fps=float(source_rate or 0),
        duration=float(decoded.end),
        width=decoded.size[0],
        height=decoded.size[1],
        bytes=osp.getsize(source))
    return stats, writer
