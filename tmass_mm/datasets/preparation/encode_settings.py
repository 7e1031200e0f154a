"""The settings an output is made with; an output made with other settings
is re-encoded."""
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Optional, Tuple

X264_PRESETS = ('ultrafast', 'superfast', 'veryfast', 'faster', 'fast',
                'medium', 'slow', 'slower', 'veryslow')
X264_TUNES = ('none', 'fastdecode', 'film', 'animation', 'grain', 'stillimage')


class PreparationError(RuntimeError):
    """A video that cannot be prepared; the message says why."""


@dataclass(frozen=True)
class EncodeSettings:
    """How every video is re-encoded.

    Args:
        fps (float): output frame rate; 0 keeps the source's average rate.
            Defaults to 3.
        short_side (int): the shorter side of the output (even); larger
            sources are scaled down to it, smaller ones keep their size.
            0 keeps every source's size. Defaults to 224.
        crf (int): libx264 constant rate factor, 0 (lossless) .. 51.
            Defaults to 23 (FFmpeg's default).
        preset (str): libx264 speed / size trade-off. Defaults to
            ``'medium'``.
        tune (str): libx264 tuning; ``'fastdecode'`` (no CABAC, no
            deblocking filter) makes outputs about twice as fast to decode
            for some 10 % more bytes; ``'none'`` is FFmpeg's default.
            Defaults to ``'fastdecode'``.
        keyint (int): frames from one key frame to the next. 1 (default)
            makes every frame a key frame: a training clip then decodes
            just its sampled frames (``LoadVideoFrames(backend='auto')``
            reads such files with PyAV, which decodes frame by frame),
            whatever the video's length, for larger files. 0 leaves x264's
            default (250), with which a clip decodes every frame up to its
            last sampled one.
    """
    fps: float = 3.0
    short_side: int = 224
    crf: int = 23
    preset: str = 'medium'
    tune: str = 'fastdecode'
    keyint: int = 1

    def __post_init__(self):
        if self.fps < 0:
            raise ValueError(f'fps must be >= 0 (0 keeps the source rate), '
                             f'got {self.fps}')
        if self.short_side < 0 or self.short_side % 2:
            raise ValueError(f'short_side must be even and >= 0 (0 keeps '
                             f'the size), got {self.short_side}')
        if not 0 <= self.crf <= 51:
            raise ValueError(f'crf must be in 0..51, got {self.crf}')
        if self.preset not in X264_PRESETS:
            raise ValueError(f'unknown x264 preset {self.preset!r}, expected '
                             f'one of {X264_PRESETS}')
        if self.keyint < 0:
            raise ValueError(f'keyint must be >= 0 (0 is x264\'s default), '
                             f'got {self.keyint}')
        if self.tune not in X264_TUNES:
            raise ValueError(f'unknown x264 tune {self.tune!r}, expected '
                             f'one of {X264_TUNES}')

    def as_dict(self) -> dict:
        return asdict(self)

    def x264_options(self) -> dict:
        """The encoder options for PyAV."""
        options = dict(crf=str(self.crf), preset=self.preset)
        if self.tune != 'none':
            options['tune'] = self.tune
        if self.keyint:
            options['g'] = str(self.keyint)
        return options

    def output_rate(self, source_rate: Optional[Fraction]) -> Fraction:
        """Frames per second of the output, exact."""
        if self.fps:
            return Fraction(self.fps).limit_denominator(1001)
        if not source_rate:
            raise PreparationError('the source frame rate is unknown; pass '
                                   'a positive --fps')
        return Fraction(source_rate)

    def output_size(self, width: Fraction,
                    height: Fraction) -> Tuple[int, int]:
        """``(width, height)`` of the output for a source displayed at
        ``width x height``: the shorter side becomes ``short_side`` if it is
        longer, both sides are rounded to even numbers (H.264 4:2:0)."""
        short = min(width, height)
        scale = Fraction(1)
        if self.short_side and short > self.short_side:
            scale = Fraction(self.short_side) / short
        return _even(width * scale), _even(height * scale)


def _even(length: Fraction) -> int:
    """The nearest even integer (halves round up), at least 2."""
    return max(2, 2 * int(Fraction(length) / 2 + Fraction(1, 2)))
