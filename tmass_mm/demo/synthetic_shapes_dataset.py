"""The demo's dataset: generate a split of moving shapes, then read it."""
import os.path as osp
from typing import List

from tmass_mm.datasets.video_text_dataset import VideoTextDataset
from tmass_mm.registry import DATASETS
from .shape_split import ShapeSplit


@DATASETS.register_module()
class SyntheticShapesDataset(VideoTextDataset):
    """Videos of one coloured shape moving across the frame, with captions.

    Each video shows a circle, square or triangle (red, green, blue or
    yellow; small or large) crossing a black or white frame along the top,
    through the middle or along the bottom, e.g. "a small red circle moves
    left along the top on a black background". That makes 144
    distinguishable combinations (the direction is named but not one of
    them, see :mod:`.shape_scenes`). They are dealt in shuffled rounds, so a
    split of at most 144 videos (a test gallery) has every combination unique
    and each caption exactly one right answer; a larger split covers all
    combinations evenly. The layout (start and end of the track, its exact
    height, exact size, direction of travel) is random per video, so the
    train and test splits share combinations but never videos.

    Nothing to download: on first use the split is generated into
    ``data_root/<split>/`` by :class:`ShapeSplit` (in distributed runs rank
    0 generates and the other ranks wait), as ``.mp4`` files and a
    ``VideoTextDataset`` annotation file, which this class then reads like
    any other.

    Args:
        split (str): name of the split, e.g. ``'train'`` or ``'test'``; it
            seeds the split together with ``seed``.
        num_videos (int): videos in the split.
        captions_per_video (int): captions of each video (training may use
            several; a test gallery usually one).
        seed (int): the data seed.
        frame_size (int): side of the square frames, pixels.
        frames_per_video (int): frames in each video file.
        fps (float): frame rate of the files.
        data_root (str): folder the splits are generated into.
        **kwargs: ``BaseRetrievalDataset`` arguments (``pipeline``,
            ``test_mode``, ``lazy_init``, ...).
    """

    def __init__(self,
                 split: str = 'train',
                 num_videos: int = 432,
                 captions_per_video: int = 2,
                 seed: int = 0,
                 frame_size: int = 64,
                 frames_per_video: int = 16,
                 fps: float = 8.0,
                 data_root: str = 'data/synthetic_shapes',
                 **kwargs):
        self.generator = ShapeSplit(data_root, split, num_videos,
                                    captions_per_video, seed, frame_size,
                                    frames_per_video, fps)
        super().__init__(
            ann_file=osp.join(split, ShapeSplit.ANNOTATIONS),
            video_root=osp.join(split, ShapeSplit.VIDEOS),
            data_root=data_root,
            split=split,
            **kwargs)

    def load_videos(self) -> List[dict]:
        self.generator.prepare()
        return super().load_videos()
