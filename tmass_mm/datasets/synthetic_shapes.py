"""A synthetic text-video benchmark, generated on first use: moving shapes.

Nothing to download: the videos (real ``.mp4`` files, read back by the same
decoding pipeline as every other benchmark) and their captions are rendered
into ``data_root`` the first time a split is used, deterministically from a
seed. See :mod:`.shape_scenes` for what the videos show and why the captions
name what they name.
"""
import json
import os
import os.path as osp
import time
import zlib
from typing import List, Optional

import numpy as np
from mmengine import dist
from mmengine.logging import print_log

from tmass_mm.registry import DATASETS
from .annotation_io import load_json, require_keys
from .base_retrieval_dataset import BaseRetrievalDataset
from .shape_scenes import (make_captions, plan_attributes, render_frames,
                           sample_scene, write_video)

# Bump when the rendering or the captions change: existing data regenerates.
GENERATOR_VERSION = 1


@DATASETS.register_module()
class SyntheticShapesDataset(BaseRetrievalDataset):
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

    Layout of ``data_root`` (created as needed)::

        <split>/generation.json   the parameters the files were made with
        <split>/videos/<split>_00000.mp4 ...
        <split>/annotations.json  {"videos": [{"video_id", "captions",
                                              "scene"}, ...]}

    On use, a split whose ``generation.json`` matches the parameters and
    whose files all exist is only read; missing videos are rendered (each
    from its own seed, so exactly as before); different parameters clear
    the split's videos and regenerate it. Files are written under temporary
    names and renamed, so an interrupted run leaves no half-written file. In
    distributed runs rank 0 generates and the other ranks wait.

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
        if num_videos < 1 or captions_per_video < 1:
            raise ValueError('num_videos and captions_per_video must be '
                             f'positive, got {num_videos} and '
                             f'{captions_per_video}')
        if frame_size < 16 or frames_per_video < 1:
            raise ValueError(f'frame_size must be >= 16 and frames_per_video '
                             f'>= 1, got {frame_size}, {frames_per_video}')
        self.split = split
        self.generation = dict(
            version=GENERATOR_VERSION,
            split=split,
            num_videos=int(num_videos),
            captions_per_video=int(captions_per_video),
            seed=int(seed),
            frame_size=int(frame_size),
            frames_per_video=int(frames_per_video),
            fps=float(fps))
        self.split_root = osp.join(data_root, split)
        super().__init__(
            ann_file=osp.join(split, 'annotations.json'),
            video_root=osp.join(split, 'videos'),
            data_root=data_root,
            **kwargs)

    # --- loading -----------------------------------------------------------
    def load_videos(self) -> List[dict]:
        self.prepare()
        data = load_json(self.ann_file, dict)
        require_keys(data, ('videos', ), self.ann_file, 'top level')
        videos = []
        for i, entry in enumerate(data['videos']):
            require_keys(entry, ('video_id', 'captions'), self.ann_file,
                         f'videos[{i}]')
            videos.append(
                dict(
                    video_id=entry['video_id'],
                    video_path=self.find_video(entry['video_id'], ('.mp4', )),
                    texts=list(entry['captions'])))
        return videos

    # --- generation --------------------------------------------------------
    def prepare(self) -> None:
        """Generate what is missing (rank 0), then let every rank go on.

        An error on rank 0 is re-raised on every rank instead of leaving the
        others waiting.
        """
        error: Optional[str] = None
        if dist.is_main_process():
            try:
                self._generate_missing()
            except Exception as err:  # noqa: BLE001 -- re-raised below
                error = f'{type(err).__name__}: {err}'
                if dist.get_world_size() == 1:
                    raise
        if dist.get_world_size() > 1:
            message = [error]
            dist.broadcast_object_list(message)  # also a barrier
            error = message[0]
        if error is not None:
            raise RuntimeError(f'{type(self).__name__}: generating split '
                               f'{self.split!r} in {self.split_root!r} '
                               f'failed on rank 0: {error}')

    def video_seed(self, index: int) -> List[int]:
        """Seed sequence of video ``index`` (scene layout and captions)."""
        return [self.generation['seed'], _split_code(self.split), 1, index]

    def plan(self) -> List[tuple]:
        """The discriminative attributes of every video of the split."""
        rng = np.random.default_rng(
            [self.generation['seed'],
             _split_code(self.split), 0])
        return plan_attributes(rng, self.generation['num_videos'])

    def video_name(self, index: int) -> str:
        return f'{self.split}_{index:05d}'

    def _generate_missing(self) -> None:
        params_file = osp.join(self.split_root, 'generation.json')
        old = _read_json_or_none(params_file)
        if old != self.generation:
            if old is not None:
                print_log(
                    f'SyntheticShapes: the parameters of split '
                    f'{self.split!r} changed ({_diff(old, self.generation)});'
                    ' regenerating it',
                    logger='current')
            self._clear_split()
            os.makedirs(self.video_root, exist_ok=True)
            _write_json_atomic(params_file, self.generation)
        plan = self.plan()
        names = [self.video_name(i) for i in range(len(plan))]
        missing = [
            i for i, name in enumerate(names)
            if not osp.isfile(osp.join(self.video_root, name + '.mp4'))
        ]
        if not missing and osp.isfile(self.ann_file):
            print_log(
                f'SyntheticShapes: split {self.split!r} is complete in '
                f'{self.split_root} ({len(plan)} videos), reusing it',
                logger='current')
            return
        if missing:
            self._render(plan, names, missing)
        self._write_annotations(plan, names)

    def _render(self, plan: List[tuple], names: List[str],
                indices: List[int]) -> None:
        gen = self.generation
        print_log(
            f'SyntheticShapes: generating {len(indices)} of '
            f'{len(plan)} videos of split {self.split!r} into '
            f'{self.video_root}',
            logger='current')
        start = time.time()
        step = max(len(indices) // 5, 1)
        for done, index in enumerate(indices, start=1):
            scene = sample_scene(
                np.random.default_rng(self.video_seed(index)), plan[index])
            frames = render_frames(scene, gen['frames_per_video'],
                                   gen['frame_size'])
            write_video(
                osp.join(self.video_root, names[index] + '.mp4'), frames,
                gen['fps'])
            if done % step == 0 or done == len(indices):
                print_log(
                    f'SyntheticShapes: {self.split}: {done}/'
                    f'{len(indices)} videos written '
                    f'({time.time() - start:.1f} s)',
                    logger='current')

    def _write_annotations(self, plan: List[tuple], names: List[str]) -> None:
        videos = []
        for index, (attributes, name) in enumerate(zip(plan, names)):
            rng = np.random.default_rng(self.video_seed(index))
            scene = sample_scene(rng, attributes)
            captions = make_captions(rng, scene,
                                     self.generation['captions_per_video'])
            videos.append(
                dict(video_id=name, captions=captions, scene=scene.to_dict()))
        _write_json_atomic(self.ann_file,
                           dict(generation=self.generation, videos=videos))

    def _clear_split(self) -> None:
        """Remove the files this class generates for the split."""
        if osp.isfile(self.ann_file):
            os.remove(self.ann_file)
        if osp.isdir(self.video_root):
            prefix = f'{self.split}_'
            for name in os.listdir(self.video_root):
                if name.startswith(prefix) and name.endswith('.mp4'):
                    os.remove(osp.join(self.video_root, name))


def _split_code(split: str) -> int:
    """A stable integer for a split name (``hash`` is salted per process)."""
    return zlib.crc32(split.encode('utf-8'))


def _read_json_or_none(path: str) -> Optional[dict]:
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _write_json_atomic(path: str, data: dict) -> None:
    directory = osp.dirname(path)
    os.makedirs(directory or '.', exist_ok=True)
    tmp_path = osp.join(directory, f'.tmp-{os.getpid()}-{osp.basename(path)}')
    with open(tmp_path, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1)
    os.replace(tmp_path, path)


def _diff(old: dict, new: dict) -> str:
    keys = sorted(set(old) | set(new))
    return ', '.join(f'{k}: {old.get(k)!r} -> {new.get(k)!r}' for k in keys
                     if old.get(k) != new.get(k))
