"""What the manifest records of a source and of an output."""
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class VideoStats:
    """Decoded frames, frame rate, duration (s), size (px) and file bytes."""
    frames: int
    fps: float
    duration: float
    width: int
    height: int
    bytes: int

    def as_dict(self) -> dict:
        record = asdict(self)
        record['fps'] = round(self.fps, 6)
        record['duration'] = round(self.duration, 6)
        return record
