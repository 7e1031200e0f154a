"""The shared base of the text-video retrieval datasets."""
import logging
import os.path as osp
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from .annotation_io import check_text, join_root
from .skip_counter import SkipCounter


class BaseRetrievalDataset(BaseDataset):
    """A gallery of videos, each with one or more captions.

    Subclasses implement :meth:`load_videos`, returning one record per video
    in gallery order::

        dict(video_id=str, video_path=str, texts=list[str],
             start_time=float, end_time=float)   # times optional, seconds

    This class turns the records into data infos:

    - ``test_mode=False``: one data info per (video, caption);
    - ``test_mode=True``: one data info per video with ALL its captions, so
      each video is decoded once.

    Each data info holds ``video_path``, ``video_id``, ``video_index`` (the
    video's position in the gallery, ``0..V-1``), ``texts`` (its captions:
    exactly one in training) and ``text_indices`` (the captions' global ids,
    ``0..T-1``, numbered video by video in gallery order, identical in both
    modes), plus the optional times. ``metainfo`` carries ``num_videos`` and
    ``num_texts``.

    Videos whose caption list is empty (e.g. listed in a split file but
    absent from the caption file) are dropped with one warning, unless
    :attr:`keeps_videos_without_text` (a search-only gallery); a split with
    no video left raises ``ValueError``. A caption that is not a non-blank
    string raises ``AnnotationError`` naming the file and the video.

    Args:
        ann_file (str): the main annotation file, relative to ``data_root``
            unless absolute.
        video_root (str): folder of the videos, relative to ``data_root``
            unless absolute; '' means ``data_root`` itself.
        data_root (str): root of relative paths. Defaults to ''.
        pipeline (Sequence[dict | Callable]): the transforms.
        test_mode (bool): gallery mode (see above). Defaults to False.
        **kwargs: other ``BaseDataset`` arguments (``lazy_init``,
            ``max_refetch``, ``serialize_data``, ``metainfo``). ``indices``
            is refused: a subset would break the gallery numbering.
    """

    def __init__(self,
                 ann_file: str = '',
                 video_root: str = '',
                 data_root: str = '',
                 pipeline: Sequence[Callable] = (),
                 test_mode: bool = False,
                 **kwargs):
        if kwargs.get('indices') is not None:
            raise ValueError(
                f'{type(self).__name__} does not support `indices`: a subset '
                'would break the video/caption numbering the metric relies '
                'on. Use a shorter split or annotation file instead.')
        self.video_root = join_root(video_root, data_root)
        self.skip_counter = SkipCounter()
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            pipeline=list(pipeline),
            test_mode=test_mode,
            **kwargs)

    def load_videos(self) -> List[dict]:
        """One record per video, in gallery order (see the class doc)."""
        raise NotImplementedError

    @property
    def keeps_videos_without_text(self) -> bool:
        """Whether videos without caption stay in the gallery (False: they
        are left out with a warning)."""
        return False

    def load_data_list(self) -> List[dict]:
        videos = self.load_videos()
        if not self.keeps_videos_without_text:
            videos = self._drop_videos_without_text(videos)
        if not videos:
            raise ValueError(f'{type(self).__name__}: no video with a caption '
                             f'in {self.ann_file!r}; the split is empty.')
        seen = set()
        for video in videos:
            for text in video['texts']:
                check_text(text, self.ann_file, f'video {video["video_id"]!r}',
                           'caption')
            if video['video_id'] in seen:
                raise ValueError(f'{type(self).__name__}: video id '
                                 f'{video["video_id"]!r} appears twice in '
                                 f'the gallery of {self.ann_file!r}.')
            seen.add(video['video_id'])

        data_list, num_texts = [], 0
        for video_index, video in enumerate(videos):
            texts = video.pop('texts')
            text_indices = list(range(num_texts, num_texts + len(texts)))
            num_texts += len(texts)
            info = dict(video, video_index=video_index)
            if self.test_mode:
                data_list.append(
                    dict(info, texts=texts, text_indices=text_indices))
            else:
                data_list.extend(
                    dict(info, texts=[text], text_indices=[text_index])
                    for text, text_index in zip(texts, text_indices))
        self._metainfo.update(num_videos=len(videos), num_texts=num_texts)
        return data_list

    def _drop_videos_without_text(self, videos: List[dict]) -> List[dict]:
        kept = [video for video in videos if video['texts']]
        dropped = [video['video_id'] for video in videos if not video['texts']]
        if dropped:
            print_log(
                f'{type(self).__name__}: {len(dropped)} video(s) of '
                f'{self.ann_file!r} have no caption and are left out, e.g. '
                f'{dropped[:5]}',
                logger='current',
                level=logging.WARNING)
        return kept

    @property
    def num_videos(self) -> int:
        """Number of distinct videos in the gallery (V)."""
        self.full_init()
        return self._metainfo['num_videos']

    @property
    def num_texts(self) -> int:
        """Number of captions in the split (T)."""
        self.full_init()
        return self._metainfo['num_texts']

    def find_video(self, stem: str, exts: Sequence[str]) -> str:
        """Path of ``<video_root>/<stem><ext>`` for the first ``ext`` found.

        When no candidate exists the first one is returned, so that
        ``LoadVideoFrames`` reports the missing file by its expected path.
        """
        candidates = [osp.join(self.video_root, stem + ext) for ext in exts]
        return next((path for path in candidates if osp.isfile(path)),
                    candidates[0])

    def prepare_data(self, idx: int) -> Optional[dict]:
        """Run the pipeline; count training samples it skipped (``None``)."""
        data = super().prepare_data(idx)
        if data is None:
            if self.test_mode:
                info = self.get_data_info(idx)
                raise RuntimeError(
                    f'{type(self).__name__}: the pipeline dropped test sample '
                    f'{idx} (video {info["video_path"]!r}, video_id '
                    f'{info["video_id"]!r}). Every gallery video must be '
                    'readable for evaluation; on_error="skip" only applies '
                    'to training.')
            self.skip_counter.increment()
        return data


def group_captions(pairs: Iterable[Tuple[str, str]]) -> Dict[str, List[str]]:
    """``{video_id: [caption, ...]}`` in first-appearance and file order."""
    grouped: Dict[str, List[str]] = {}
    for video_id, caption in pairs:
        grouped.setdefault(video_id, []).append(caption)
    return grouped
