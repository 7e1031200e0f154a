"""Registered transforms: video loading, frame geometry, text, packing."""
from .formatting import PackRetrievalInputs, TokenizeTexts
from .image_ops import (CenterCropFrames, FlipFrames, RandomResizedCropFrames,
                        ResizeShortSide)
from .loading import LoadVideoFrames
from .video_readers import VideoReadError

__all__ = [
    'LoadVideoFrames', 'VideoReadError', 'ResizeShortSide', 'CenterCropFrames',
    'RandomResizedCropFrames', 'FlipFrames', 'TokenizeTexts',
    'PackRetrievalInputs'
]
