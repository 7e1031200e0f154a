"""VATEX with the HGR split lists; English captions only."""
from typing import Dict, List, Sequence

from tmass_mm.registry import DATASETS
from tmass_mm.utils.choices import check_choice
from .annotation_io import (AnnotationError, check_text, join_root, load_json,
                            read_id_list, require_keys)
from .base_retrieval_dataset import BaseRetrievalDataset


@DATASETS.register_module()
class VATEXDataset(BaseRetrievalDataset):
    """VATEX text-video retrieval: every English caption is a query.

    ``ann_file`` is a split list, one ``<youtube id>_<start>_<end>`` a line.
    ``caption_file`` may be any of three formats, told apart by structure:

    - ``vatex_data.json``: ``{id: {"enCap": [...], "chCap": [...]}}``;
    - HGR ``ref_captions.json``: ``{id: [sentence, ...]}``;
    - official ``vatex_{training,validation}_v1.0.json``: a list of
      ``{"videoID": id, "enCap": [...], "chCap": [...]}``.

    Videos are ``<video_root>/<id><ext>`` for the first of ``video_exts``
    that exists.

    Args:
        split (str): ``'train'``, ``'val'`` or ``'test'``; picks the default
            ``ann_file`` ``{split}_list.txt``.
        ann_file (str): overrides the split list.
        caption_file (str): the captions, in one of the formats above.
        video_exts (Sequence[str]): extensions tried in order.
        **kwargs: ``BaseRetrievalDataset`` arguments.
    """

    SPLITS = ('train', 'val', 'test')

    def __init__(self,
                 split: str = 'train',
                 ann_file: str = '',
                 caption_file: str = 'vatex_data.json',
                 video_exts: Sequence[str] = ('.mp4', ),
                 data_root: str = '',
                 **kwargs):
        check_choice('split', split, self.SPLITS)
        self.split = split
        self.caption_file = join_root(caption_file, data_root)
        self.video_exts = tuple(video_exts)
        super().__init__(
            ann_file=ann_file or f'{split}_list.txt',
            data_root=data_root,
            **kwargs)

    def load_videos(self) -> List[dict]:
        captions = self._load_captions()
        return [
            dict(
                video_id=video_id,
                video_path=self.find_video(video_id, self.video_exts),
                texts=captions.get(video_id, []))
            for video_id in read_id_list(self.ann_file)
        ]

    def _load_captions(self) -> Dict[str, List[str]]:
        """``{video id: English captions}`` from any supported format."""
        path = self.caption_file
        data = load_json(path, (dict, list))
        captions = {}
        if isinstance(data, list):  # official: [{"videoID", "enCap"}, ...]
            for i, entry in enumerate(data):
                require_keys(entry, ('videoID', 'enCap'), path, f'entry {i}')
                captions[entry['videoID']] = entry['enCap']
        else:
            for video_id, entry in data.items():
                if isinstance(entry, dict):  # vatex_data.json
                    require_keys(entry, ('enCap', ), path, f'video {video_id}')
                    captions[video_id] = entry['enCap']
                else:  # ref_captions.json
                    captions[video_id] = entry
        for video_id, texts in captions.items():
            if not isinstance(texts, list):
                raise AnnotationError(
                    path, f'video {video_id}',
                    f'expected a list of English captions, got {texts!r:.80}')
            for k, text in enumerate(texts):
                check_text(text, path, f'video {video_id}, caption {k}',
                           'caption')
        return captions
