"""Retrieval datasets and their transforms.

``BaseRetrievalDataset`` turns per-video records into training samples
(one per caption) or a test gallery (one per video); one subclass per
benchmark (MSR-VTT, LSMDC, DiDeMo, VATEX, Charades) and
``VideoTextDataset`` for your own captioned videos read their annotation
files through ``annotation_io``, which names the file and line of any
malformed entry. ``SkipCounter`` counts training samples skipped for
unreadable videos. The demo's ``SyntheticShapesDataset`` lives in
``tmass_mm.demo`` and the ``ReportSkippedVideosHook`` in
``tmass_mm.engine``; both are still importable from here, on first use.
"""
import importlib

from .annotation_io import AnnotationError
from .base_retrieval_dataset import BaseRetrievalDataset
from .charades_dataset import CharadesDataset
from .didemo_dataset import DiDeMoDataset
from .lsmdc_dataset import LSMDCDataset
from .msrvtt_dataset import MSRVTTDataset
from .skip_counter import SkipCounter
from .transforms import *  # noqa: F401,F403
from .vatex_dataset import VATEXDataset
from .video_text_dataset import VideoTextDataset

# names kept importable from here, loaded from their own package on demand
_ELSEWHERE = {
    'SyntheticShapesDataset': 'tmass_mm.demo',
    'ReportSkippedVideosHook': 'tmass_mm.engine',
}


def __getattr__(name: str):
    if name in _ELSEWHERE:
        return getattr(importlib.import_module(_ELSEWHERE[name]), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


__all__ = [  # noqa: F405 (two names come from __getattr__)
    'AnnotationError', 'BaseRetrievalDataset', 'MSRVTTDataset', 'LSMDCDataset',
    'DiDeMoDataset', 'VATEXDataset', 'CharadesDataset', 'VideoTextDataset',
    'SkipCounter', 'ReportSkippedVideosHook', 'SyntheticShapesDataset'
]
