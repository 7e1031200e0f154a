"""Re-encoding a folder of videos for fast training (H.264, constant frame
rate, small short side), verified with the project's own loader."""
from .encode_settings import EncodeSettings
from .manifest import FAILURES_NAME, MANIFEST_NAME
from .prepare import PreparationReport, prepare_videos
from .video_files import VIDEO_EXTENSIONS

__all__ = [
    'EncodeSettings', 'PreparationReport', 'prepare_videos', 'MANIFEST_NAME',
    'FAILURES_NAME', 'VIDEO_EXTENSIONS'
]
