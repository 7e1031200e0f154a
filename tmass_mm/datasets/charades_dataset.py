"""Charades (official ``Charades_v1_{train,test}.csv``)."""
from typing import List, Sequence

from tmass_mm.registry import DATASETS
from tmass_mm.utils.choices import check_choice
from .annotation_io import check_text, read_csv_rows
from .base_retrieval_dataset import BaseRetrievalDataset


@DATASETS.register_module()
class CharadesDataset(BaseRetrievalDataset):
    """Charades text-video retrieval.

    The csv has the header ``id,subject,scene,quality,relevance,verified,
    script,objects,descriptions,actions,length`` with quoted fields. The text
    of a video is its ``script`` (one caption, the published protocol) or,
    with ``text_field='descriptions'``, each of its ``;``-separated
    descriptions (several captions). A row whose text is empty gives a video
    without caption, which the base class leaves out with a warning.
    Videos are ``<video_root>/<id><ext>`` for the first of ``video_exts``
    that exists.

    Args:
        split (str): ``'train'`` or ``'test'``; picks the default
            ``ann_file`` ``Charades_v1_{split}.csv``.
        ann_file (str): overrides the split's file.
        text_field (str): ``'script'`` or ``'descriptions'``.
        video_exts (Sequence[str]): extensions tried in order.
        **kwargs: ``BaseRetrievalDataset`` arguments.
    """

    SPLITS = ('train', 'test')
    TEXT_FIELDS = ('script', 'descriptions')

    def __init__(self,
                 split: str = 'train',
                 ann_file: str = '',
                 text_field: str = 'script',
                 video_exts: Sequence[str] = ('.mp4', ),
                 **kwargs):
        check_choice('split', split, self.SPLITS)
        check_choice('text_field', text_field, self.TEXT_FIELDS)
        self.split = split
        self.text_field = text_field
        self.video_exts = tuple(video_exts)
        super().__init__(
            ann_file=ann_file or f'Charades_v1_{split}.csv', **kwargs)

    def load_videos(self) -> List[dict]:
        videos = []
        for line, row in read_csv_rows(
                self.ann_file, ('id', self.text_field), multiline_fields=True):
            video_id = check_text(row['id'], self.ann_file, f'line {line}',
                                  'id')
            text = row[self.text_field]
            parts = text.split(';') if self.text_field == 'descriptions' else [
                text
            ]
            videos.append(
                dict(
                    video_id=video_id,
                    video_path=self.find_video(video_id, self.video_exts),
                    texts=[part.strip() for part in parts if part.strip()]))
        return videos
