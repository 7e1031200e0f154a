"""Retrieval datasets of the five benchmarks and their transforms."""
from .annotation_io import AnnotationError
from .base_retrieval_dataset import BaseRetrievalDataset
from .charades_dataset import CharadesDataset
from .didemo_dataset import DiDeMoDataset
from .lsmdc_dataset import LSMDCDataset
from .msrvtt_dataset import MSRVTTDataset
from .skip_report import ReportSkippedVideosHook, SkipCounter
from .synthetic_shapes import SyntheticShapesDataset
from .transforms import *  # noqa: F401,F403
from .vatex_dataset import VATEXDataset

__all__ = [
    'AnnotationError', 'BaseRetrievalDataset', 'MSRVTTDataset', 'LSMDCDataset',
    'DiDeMoDataset', 'VATEXDataset', 'CharadesDataset', 'SkipCounter',
    'ReportSkippedVideosHook', 'SyntheticShapesDataset'
]
