"""Your own captioned videos, from one simple annotation file."""
import logging
from typing import List, Optional

from mmengine.logging import print_log

from tmass_mm.registry import DATASETS
from tmass_mm.utils.choices import check_choice
from .annotation_io import AnnotationError, join_root
from .base_retrieval_dataset import BaseRetrievalDataset
from .video_text_annotations import read_clips

CAPTION_MODES = ('required', 'optional')


@DATASETS.register_module()
class VideoTextDataset(BaseRetrievalDataset):
    """A retrieval dataset read from a JSON, JSON-lines or csv file.

    ``ann_file`` holds one entry per caption, or per video with all its
    captions (see ``docs/own_videos.md`` for examples)::

        [{"video": "cats/cat1.mp4", "caption": "a cat jumps on a sofa"},
         {"video": "cats/cat1.mp4", "caption": "a kitten leaps",
          "split": "train"},
         {"video": "dogs/d.mp4", "captions": ["a dog", "a puppy runs"],
          "start": 2.5, "end": 9.0}]

    or, as csv (several rows of one video are its captions)::

        video,caption,start,end,split
        cats/cat1.mp4,a cat jumps on a sofa,,,train

    ``video`` is relative to ``video_root`` (itself relative to
    ``data_root``). ``start``/``end`` (seconds, optional) restrict the clip
    to a window; entries of one video with the same window are one gallery
    video, whose id is the path, plus ``#t=start,end`` for a window.
    ``split`` (optional) lets one file hold several splits.

    As for every retrieval dataset, ``test_mode=False`` gives one sample per
    caption and ``test_mode=True`` one sample per video with all its
    captions (:class:`BaseRetrievalDataset`).

    Args:
        ann_file (str): the annotation file (``.json``, ``.jsonl`` or
            ``.csv``), relative to ``data_root`` unless absolute.
        split (str, optional): keep only the entries of this split; each
            entry must then give one. ``None`` keeps every entry.
        captions (str): ``'required'`` (default): every entry needs a
            caption. ``'optional'``: entries may have none, for a gallery
            that is only searched (e.g. by the text-to-video search); in
            test mode videos without caption stay in the gallery, in
            training they are left out. The retrieval metric still needs a
            caption per video and refuses such a gallery.
        **kwargs: ``BaseRetrievalDataset`` arguments (``video_root``,
            ``data_root``, ``pipeline``, ``test_mode``, ...).
    """

    def __init__(self,
                 ann_file: str = '',
                 split: Optional[str] = None,
                 captions: str = 'required',
                 **kwargs):
        check_choice('captions', captions, CAPTION_MODES)
        if not ann_file:
            raise ValueError('VideoTextDataset needs an ann_file (a .json, '
                             '.jsonl or .csv annotation file)')
        self.split = split
        self.captions = captions
        super().__init__(ann_file=ann_file, **kwargs)

    @property
    def keeps_videos_without_text(self) -> bool:
        return self.captions == 'optional' and self.test_mode

    def load_videos(self) -> List[dict]:
        clips = read_clips(self.ann_file, self.captions == 'required')
        if self.split is not None:
            for clip in clips:
                if clip.split is None:
                    raise AnnotationError(
                        self.ann_file, clip.where,
                        f'no split given, but the dataset reads split '
                        f'{self.split!r}; give every entry a split, or set '
                        'split=None to use every entry')
            found = sorted({clip.split for clip in clips})
            clips = [clip for clip in clips if clip.split == self.split]
            if not clips:
                raise ValueError(
                    f'VideoTextDataset: {self.ann_file!r} has no entry of '
                    f'split {self.split!r}; its splits are {found}')
        videos = []
        for clip in clips:
            video = dict(
                video_id=clip.clip_id,
                video_path=join_root(clip.video, self.video_root),
                texts=list(clip.captions))
            if clip.start is not None:
                video['start_time'] = clip.start
            if clip.end is not None:
                video['end_time'] = clip.end
            videos.append(video)
        self._warn_search_only(videos)
        return videos

    def _warn_search_only(self, videos: List[dict]) -> None:
        uncaptioned = sum(not video['texts'] for video in videos)
        if uncaptioned and self.keeps_videos_without_text:
            print_log(
                f'VideoTextDataset: {uncaptioned} of {len(videos)} videos of '
                f'{self.ann_file!r} have no caption. This gallery serves '
                'text search only: the retrieval metric needs at least one '
                'caption per video and refuses it.',
                logger='current',
                level=logging.WARNING)
