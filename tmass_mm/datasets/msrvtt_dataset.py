"""MSR-VTT: 9k / 7k training splits and the 1k-A (JSFusion) test split."""
from typing import List, Sequence

from tmass_mm.registry import DATASETS
from tmass_mm.utils.choices import check_choice
from .annotation_io import (check_text, join_root, load_json, read_csv_rows,
                            require_keys)
from .base_retrieval_dataset import BaseRetrievalDataset, group_captions


@DATASETS.register_module()
class MSRVTTDataset(BaseRetrievalDataset):
    """MSR-VTT text-video retrieval.

    Splits (``split``) and their default ``ann_file``:

    - ``'train-9k'``: ``MSRVTT_train.9k.csv`` (header ``video_id``, 9,000
      videos); every caption of each video in ``caption_file`` is a sample.
    - ``'train-7k'``: ``MSRVTT_train.7k.csv`` (7,010 videos), likewise.
    - ``'test-1k-A'``: ``MSRVTT_JSFUSION_test.csv`` (header
      ``key,vid_key,video_id,sentence``): 1,000 videos, one caption each,
      taken from the csv; ``caption_file`` is not read.

    The json's ``start time``/``end time`` are not used (the 1k-A protocol
    takes the whole clip). Videos are ``<video_root>/<video_id><ext>`` for the
    first of ``video_exts`` that exists.

    Args:
        split (str): ``'train-9k'``, ``'train-7k'`` or ``'test-1k-A'``.
        ann_file (str): the split csv; defaults to the split's file above.
        caption_file (str): ``MSRVTT_data.json`` (``{"sentences": [{"caption",
            "video_id", ...}]}``), read for the training splits.
        video_exts (Sequence[str]): extensions tried in order.
        **kwargs: ``BaseRetrievalDataset`` arguments (``video_root``,
            ``data_root``, ``pipeline``, ``test_mode``, ...).
    """

    SPLIT_FILES = {
        'train-9k': 'MSRVTT_train.9k.csv',
        'train-7k': 'MSRVTT_train.7k.csv',
        'test-1k-A': 'MSRVTT_JSFUSION_test.csv',
    }

    def __init__(self,
                 split: str = 'train-9k',
                 ann_file: str = '',
                 caption_file: str = 'MSRVTT_data.json',
                 video_exts: Sequence[str] = ('.mp4', '.webm'),
                 data_root: str = '',
                 **kwargs):
        check_choice('split', split, self.SPLIT_FILES)
        self.split = split
        self.caption_file = join_root(caption_file, data_root)
        self.video_exts = tuple(video_exts)
        super().__init__(
            ann_file=ann_file or self.SPLIT_FILES[split],
            data_root=data_root,
            **kwargs)

    def load_videos(self) -> List[dict]:
        path = self.ann_file
        if self.split == 'test-1k-A':
            captions = group_captions(
                (check_text(row['video_id'], path, f'line {line}', 'video id'),
                 check_text(row['sentence'], path, f'line {line}', 'caption'))
                for line, row in read_csv_rows(path, ('video_id', 'sentence')))
            video_ids = list(captions)
        else:
            video_ids = [
                check_text(row['video_id'], path, f'line {line}', 'video id')
                for line, row in read_csv_rows(path, ('video_id', ))
            ]
            captions = self._load_json_captions()
        return [
            dict(
                video_id=video_id,
                video_path=self.find_video(video_id, self.video_exts),
                texts=captions.get(video_id, [])) for video_id in video_ids
        ]

    def _load_json_captions(self) -> dict:
        data = load_json(self.caption_file, dict)
        require_keys(data, ('sentences', ), self.caption_file, 'top level')
        pairs = []
        for i, sentence in enumerate(data['sentences']):
            where = f'sentences[{i}]'
            require_keys(sentence, ('video_id', 'caption'), self.caption_file,
                         where)
            pairs.append((check_text(sentence['video_id'], self.caption_file,
                                     where, 'video id'),
                          check_text(sentence['caption'], self.caption_file,
                                     where, 'caption')))
        return group_captions(pairs)
