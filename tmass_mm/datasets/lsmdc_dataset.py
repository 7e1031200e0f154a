"""LSMDC (the LSMDC 2016 challenge files)."""
import re
from typing import List, Sequence

from tmass_mm.registry import DATASETS
from tmass_mm.utils.choices import check_choice
from .annotation_io import AnnotationError, read_lines
from .base_retrieval_dataset import BaseRetrievalDataset, group_captions

# "<movie>_<hh.mm.ss.mmm>-<hh.mm.ss.mmm>", e.g.
# 1010_TITANIC_00.41.32.072-00.41.40.196 -> movie 1010_TITANIC
_CLIP_ID = re.compile(r'^(?P<movie>.+)_[\d.]+-[\d.]+$')


@DATASETS.register_module()
class LSMDCDataset(BaseRetrievalDataset):
    """LSMDC text-video retrieval.

    Annotation files are tab separated without header, six fields a line:
    clip id, start aligned, end aligned, start extracted, end extracted,
    sentence. A leading/trailing ``"`` on the clip id is removed. A clip id
    may repeat (training): its sentences become captions of one video.
    Videos are ``<video_root>/<movie>/<clip_id><ext>``, movie being the clip
    id up to the timestamp, for the first of ``video_exts`` that exists.

    Args:
        split (str): ``'train'``, ``'val'`` or ``'test'``; picks the default
            ``ann_file`` (``LSMDC16_annos_training.csv``,
            ``LSMDC16_annos_val.csv``,
            ``LSMDC16_challenge_1000_publictect.csv``).
        ann_file (str): overrides the split's file.
        video_exts (Sequence[str]): extensions tried in order.
        **kwargs: ``BaseRetrievalDataset`` arguments.
    """

    SPLIT_FILES = {
        'train': 'LSMDC16_annos_training.csv',
        'val': 'LSMDC16_annos_val.csv',
        'test': 'LSMDC16_challenge_1000_publictect.csv',
    }
    NUM_FIELDS = 6

    def __init__(self,
                 split: str = 'train',
                 ann_file: str = '',
                 video_exts: Sequence[str] = ('.avi', '.mp4'),
                 **kwargs):
        check_choice('split', split, self.SPLIT_FILES)
        self.split = split
        self.video_exts = tuple(video_exts)
        super().__init__(
            ann_file=ann_file or self.SPLIT_FILES[split], **kwargs)

    def load_videos(self) -> List[dict]:
        captions = group_captions(self._read_pairs())
        videos = []
        for clip_id, texts in captions.items():
            movie = _CLIP_ID.match(clip_id).group('movie')
            videos.append(
                dict(
                    video_id=clip_id,
                    video_path=self.find_video(f'{movie}/{clip_id}',
                                               self.video_exts),
                    texts=texts))
        return videos

    def _read_pairs(self):
        """Yield ``(clip_id, sentence)`` for each line of ``ann_file``."""
        for line_number, line in read_lines(self.ann_file):
            fields = line.split('\t')
            if len(fields) != self.NUM_FIELDS:
                raise AnnotationError(
                    self.ann_file, f'line {line_number}',
                    f'expected {self.NUM_FIELDS} tab-separated fields, got '
                    f'{len(fields)}')
            clip_id, sentence = fields[0].strip().strip('"'), fields[-1]
            if not _CLIP_ID.match(clip_id):
                raise AnnotationError(
                    self.ann_file, f'line {line_number}',
                    f'clip id {clip_id!r} is not '
                    '<movie>_<start>-<end>')
            if not sentence.strip():
                raise AnnotationError(self.ann_file, f'line {line_number}',
                                      'empty sentence')
            yield clip_id, sentence.strip()
