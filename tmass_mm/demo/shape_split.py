"""One split of the synthetic moving-shapes benchmark on disk.

:class:`ShapeSplit` renders the videos (real ``.mp4`` files) and writes
their captions as a ``VideoTextDataset`` annotation file, deterministically
from a seed, and only what is missing. See :mod:`.shape_scenes` for what
the videos show and why the captions name what they name.

Layout of ``<root>/<split>/``::

    generation.json     the parameters the files were made with
    videos/<split>_00000.mp4 ...
    annotations.json    [{"video": "<split>_00000.mp4", "captions": [...],
                          "split": "<split>"}, ...]
    scenes.json         {"<split>_00000.mp4": {scene attributes}, ...}
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

from .shape_scenes import (make_captions, plan_attributes, render_frames,
                           sample_scene, write_video)

# Bump when the rendering or the captions change: existing data regenerates.
GENERATOR_VERSION = 2


class ShapeSplit:
    """The files of one split, and how to (re)generate them.

    A split whose ``generation.json`` matches the parameters and whose files
    all exist is only read; missing videos are rendered (each from its own
    seed, so exactly as before); different parameters clear the split's
    videos and regenerate it. Files are written under temporary names and
    renamed, so an interrupted run leaves no half-written file.

    Args:
        root (str): folder the splits are generated into.
        split (str): name of the split; it seeds the split with ``seed``.
        num_videos (int): videos in the split.
        captions_per_video (int): captions of each video.
        seed (int): the data seed.
        frame_size (int): side of the square frames, pixels (>= 16).
        frames_per_video (int): frames in each video file.
        fps (float): frame rate of the files.
    """

    ANNOTATIONS = 'annotations.json'
    VIDEOS = 'videos'

    def __init__(self, root: str, split: str, num_videos: int,
                 captions_per_video: int, seed: int, frame_size: int,
                 frames_per_video: int, fps: float):
        if num_videos < 1 or captions_per_video < 1:
            raise ValueError('num_videos and captions_per_video must be '
                             f'positive, got {num_videos} and '
                             f'{captions_per_video}')
        if frame_size < 16 or frames_per_video < 1:
            raise ValueError(f'frame_size must be >= 16 and frames_per_video '
                             f'>= 1, got {frame_size}, {frames_per_video}')
        self.split = split
        self.parameters = dict(
            version=GENERATOR_VERSION,
            split=split,
            num_videos=int(num_videos),
            captions_per_video=int(captions_per_video),
            seed=int(seed),
            frame_size=int(frame_size),
            frames_per_video=int(frames_per_video),
            fps=float(fps))
        self.split_root = osp.join(root, split)
        self.video_dir = osp.join(self.split_root, self.VIDEOS)
        self.ann_file = osp.join(self.split_root, self.ANNOTATIONS)
        self.scenes_file = osp.join(self.split_root, 'scenes.json')

    def prepare(self) -> None:
        """Generate what is missing (rank 0), then let every rank go on.

        An error on rank 0 is re-raised on every rank instead of leaving the
        others waiting.
        """
        error: Optional[str] = None
        if dist.is_main_process():
            try:
                self.generate_missing()
            except Exception as err:  # noqa: BLE001 -- re-raised below
                error = f'{type(err).__name__}: {err}'
                if dist.get_world_size() == 1:
                    raise
        if dist.get_world_size() > 1:
            message = [error]
            dist.broadcast_object_list(message)  # also a barrier
            error = message[0]
        if error is not None:
            raise RuntimeError(f'SyntheticShapes: generating split '
                               f'{self.split!r} in {self.split_root!r} '
                               f'failed on rank 0: {error}')

    def video_seed(self, index: int) -> List[int]:
        """Seed sequence of video ``index`` (scene layout and captions)."""
        return [self.parameters['seed'], _split_code(self.split), 1, index]

    def plan(self) -> List[tuple]:
        """The discriminative attributes of every video of the split."""
        rng = np.random.default_rng(
            [self.parameters['seed'],
             _split_code(self.split), 0])
        return plan_attributes(rng, self.parameters['num_videos'])

    def video_file(self, index: int) -> str:
        """File name of video ``index``, relative to the video folder."""
        return f'{self.split}_{index:05d}.mp4'

    def generate_missing(self) -> None:
        """Bring the split's files up to date on this process."""
        params_file = osp.join(self.split_root, 'generation.json')
        old = _read_json_or_none(params_file)
        if old != self.parameters:
            if old is not None:
                print_log(
                    f'SyntheticShapes: the parameters of split '
                    f'{self.split!r} changed ({_diff(old, self.parameters)});'
                    ' regenerating it',
                    logger='current')
            self._clear()
            os.makedirs(self.video_dir, exist_ok=True)
            _write_json_atomic(params_file, self.parameters)
        plan = self.plan()
        missing = [
            i for i in range(len(plan))
            if not osp.isfile(osp.join(self.video_dir, self.video_file(i)))
        ]
        if not missing and all(
                map(osp.isfile, (self.ann_file, self.scenes_file))):
            print_log(
                f'SyntheticShapes: split {self.split!r} is complete in '
                f'{self.split_root} ({len(plan)} videos), reusing it',
                logger='current')
            return
        if missing:
            self._render(plan, missing)
        self._write_annotations(plan)

    def _render(self, plan: List[tuple], indices: List[int]) -> None:
        params = self.parameters
        print_log(
            f'SyntheticShapes: generating {len(indices)} of '
            f'{len(plan)} videos of split {self.split!r} into '
            f'{self.video_dir}',
            logger='current')
        start = time.time()
        step = max(len(indices) // 5, 1)
        for done, index in enumerate(indices, start=1):
            scene = sample_scene(
                np.random.default_rng(self.video_seed(index)), plan[index])
            frames = render_frames(scene, params['frames_per_video'],
                                   params['frame_size'])
            write_video(
                osp.join(self.video_dir, self.video_file(index)), frames,
                params['fps'])
            if done % step == 0 or done == len(indices):
                print_log(
                    f'SyntheticShapes: {self.split}: {done}/'
                    f'{len(indices)} videos written '
                    f'({time.time() - start:.1f} s)',
                    logger='current')

    def _write_annotations(self, plan: List[tuple]) -> None:
        entries, scenes = [], {}
        for index, attributes in enumerate(plan):
            rng = np.random.default_rng(self.video_seed(index))
            scene = sample_scene(rng, attributes)
            captions = make_captions(rng, scene,
                                     self.parameters['captions_per_video'])
            name = self.video_file(index)
            entries.append(
                dict(video=name, captions=captions, split=self.split))
            scenes[name] = scene.to_dict()
        _write_json_atomic(self.scenes_file, scenes)
        _write_json_atomic(self.ann_file, entries)

    def _clear(self) -> None:
        """Remove the files this class generates for the split."""
        for path in (self.ann_file, self.scenes_file):
            if osp.isfile(path):
                os.remove(path)
        if osp.isdir(self.video_dir):
            prefix = f'{self.split}_'
            for name in os.listdir(self.video_dir):
                if name.startswith(prefix) and name.endswith('.mp4'):
                    os.remove(osp.join(self.video_dir, name))


def _split_code(split: str) -> int:
    """A stable integer for a split name (``hash`` is salted per process)."""
    return zlib.crc32(split.encode('utf-8'))


def _read_json_or_none(path: str) -> Optional[dict]:
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _write_json_atomic(path: str, data) -> None:
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
