"""DiDeMo, paragraph-to-video retrieval."""
import os.path as osp
import re
from typing import List, Optional, Sequence

from tmass_mm.registry import DATASETS
from tmass_mm.utils.choices import check_choice
from .annotation_io import (AnnotationError, check_text, join_root, load_json,
                            read_csv_rows, read_id_list, require_keys)
from .base_retrieval_dataset import BaseRetrievalDataset, group_captions

# T-MASS writes times as "tensor([[0]])" or "tensor([0])".
_TENSOR_SCALAR = re.compile(r'^tensor\(\[*\s*(-?\d+(?:\.\d*)?)\s*\]*\)$')


@DATASETS.register_module()
class DiDeMoDataset(BaseRetrievalDataset):
    """DiDeMo with the paragraph protocol: one text per video.

    ``ann_file`` is read according to its suffix:

    - ``.json``, the official ``{train,val,test}_data.json``: a list of
      ``{"video", "description", ...}``; the descriptions of one video,
      joined with a space in file order, form its text, and the window is
      ``PARAGRAPH_WINDOW`` (the whole 0-31 s clip).
    - ``.csv``, T-MASS's ``didemo_{split}_label.csv`` (header
      ``success,video_path,starts,ends,text,formatted_data``): one row per
      video with the paragraph in ``text``, the file name at the end of
      ``video_path`` and the window in ``starts``/``ends``.

    If ``split_file`` is given (``{split}_list.txt``, one file name a line),
    it defines the gallery and its order; otherwise the videos of
    ``ann_file`` in order of first appearance do.

    Video names keep their own extension (``mov``, ``avi``, ``3gp``, ...,
    even a bare trailing ``.``). The file looked up is
    ``<video_root>/<name>``; if it is absent, ``<stem>`` alone (copies made
    on file systems that drop a trailing dot) and ``<stem><ext>`` for each
    of ``video_exts`` (transcoded copies) are tried. The video id is the
    file name as written in the annotations.

    Args:
        split (str): ``'train'``, ``'val'`` or ``'test'``; picks the default
            ``ann_file`` (``{split}_data.json``) and ``split_file``
            (``{split}_list.txt``).
        ann_file (str): overrides the default; ``.json`` or ``.csv``.
        split_file (str | None): overrides the default list; ``None`` keeps
            every video of ``ann_file``.
        video_exts (Sequence[str]): fallback extensions.
        **kwargs: ``BaseRetrievalDataset`` arguments.
    """

    SPLITS = ('train', 'val', 'test')
    PARAGRAPH_WINDOW = (0.0, 31.0)

    def __init__(self,
                 split: str = 'test',
                 ann_file: str = '',
                 split_file: Optional[str] = '',
                 video_exts: Sequence[str] = ('.mp4', ),
                 data_root: str = '',
                 **kwargs):
        check_choice('split', split, self.SPLITS)
        self.split = split
        if split_file == '':
            split_file = f'{split}_list.txt'
        self.split_file = (None if split_file is None else join_root(
            split_file, data_root))
        self.video_exts = tuple(video_exts)
        super().__init__(
            ann_file=ann_file or f'{split}_data.json',
            data_root=data_root,
            **kwargs)

    def load_videos(self) -> List[dict]:
        suffix = osp.splitext(self.ann_file)[1].lower()
        if suffix == '.json':
            videos = self._load_official_json()
        elif suffix == '.csv':
            videos = self._load_tmass_csv()
        else:
            raise ValueError(f'DiDeMoDataset: cannot tell the format of '
                             f'{self.ann_file!r}; expected .json or .csv')
        if self.split_file is not None:
            # The list defines the gallery and its order; a listed video
            # without annotation keeps no text and the base class warns.
            by_name = {video['video_id']: video for video in videos}
            videos = [
                by_name.get(name, dict(video_id=name, texts=[]))
                for name in read_id_list(self.split_file)
            ]
        for video in videos:
            video['video_path'] = self._find_named_video(video['video_id'])
        return videos

    def _load_official_json(self) -> List[dict]:
        data = load_json(self.ann_file, list)
        pairs = []
        for i, entry in enumerate(data):
            where = f'entry {i}'
            require_keys(entry, ('video', 'description'), self.ann_file, where)
            pairs.append(
                (check_text(entry['video'], self.ann_file, where, 'video'),
                 check_text(entry['description'], self.ann_file, where,
                            'description')))
        start, end = self.PARAGRAPH_WINDOW
        return [
            dict(
                video_id=name,
                texts=[' '.join(descriptions)],
                start_time=start,
                end_time=end)
            for name, descriptions in group_captions(pairs).items()
        ]

    def _load_tmass_csv(self) -> List[dict]:
        videos = []
        for line_number, row in read_csv_rows(
                self.ann_file, ('video_path', 'starts', 'ends', 'text'),
                multiline_fields=True):  # some paragraphs hold line breaks
            where = f'line {line_number}'
            video_path = check_text(row['video_path'], self.ann_file, where,
                                    'video_path')
            videos.append(
                dict(
                    video_id=video_path.replace('\\', '/').rsplit('/', 1)[-1],
                    texts=[
                        check_text(row['text'], self.ann_file, where, 'text')
                    ],
                    start_time=self._parse_time(row['starts'], where),
                    end_time=self._parse_time(row['ends'], where)))
        return videos

    def _parse_time(self, text: str, where: str) -> float:
        match = _TENSOR_SCALAR.match(text.strip())
        if match is None:
            raise AnnotationError(
                self.ann_file, where,
                f'cannot read a time from {text!r} (expected e.g. '
                '"tensor([[0]])")')
        return float(match.group(1))

    def _find_named_video(self, name: str) -> str:
        stem, ext = osp.splitext(name)  # 'x.' -> ('x', '.')
        fallbacks = ([''] if ext == '.' else []) + list(self.video_exts)
        return self.find_video(stem, [ext, *fallbacks])
