"""Decoding the sampled frames of a video."""
import logging
import os.path as osp
from typing import Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.logging import print_log

from tmass_mm.registry import TRANSFORMS
from .frame_sampling import SAMPLING_MODES, frame_window, sample_frame_indices
from .video_readers import (READ_ERRORS, VideoReadError, checked_frame_count,
                            open_reader, resolve_backend)


@TRANSFORMS.register_module()
class LoadVideoFrames(BaseTransform):
    """Decode ``num_frames`` frames of ``results['video_path']``.

    Frames are chosen by ``sample_frame_indices`` (docs/method.md §1) inside
    the optional window ``results['start_time'] .. results['end_time']``
    (seconds): ``'uniform'`` takes the middle frame of each of
    ``num_frames`` segments (the frames the public T-MASS loader
    evaluates), ``'rand'`` a random frame of each; a video with fewer
    frames repeats its last frame; a one-frame video gives ``num_frames``
    copies of it. Frames come out upright: a display-matrix rotation
    (phone videos) is applied by both backends.

    Required keys: ``video_path``; optional ``video_id``, ``start_time``,
    ``end_time``.

    Added keys:
        imgs (np.ndarray): uint8 ``[F, H, W, 3]`` RGB.
        frame_inds (np.ndarray): int64 ``[F]``, the decoded frame indices.
        total_frames (int): decodable frames of the whole video.
        original_shape, img_shape (tuple[int, int]): ``(H, W)``.

    A missing file, a file that cannot be decoded, a file with no frame
    and a file whose decodable frames fall short of the count its container
    announces by more than 10 % (a truncated download; where the container
    announces no count, the decodable count is taken as it is) raise
    ``VideoReadError`` (``FileNotFoundError`` for the missing file) naming
    the path and the ``video_id``. With ``on_error='skip'`` the transform
    instead logs a warning once per file (per worker process) through
    MMEngine's current logger and returns ``None``: in training MMEngine's
    ``BaseDataset`` then draws another sample and ``BaseRetrievalDataset``
    counts the skip for ``ReportSkippedVideosHook``; in test mode the
    dataset raises, since every gallery video must be scored. No frame is
    ever made up.

    ``backend='auto'`` (default) decodes intra-only files (what
    ``tools/data/prepare_videos.py`` writes) with PyAV, which then decodes
    just the sampled frames, and every other file with decord. With
    ``'auto'`` or ``'decord'``, a file decord cannot read is decoded with
    PyAV instead, with a warning once per file that carries the running
    count (``num_fallbacks``, per process); ``on_error`` applies only when
    PyAV fails too. docs/decoding.md describes the decoders and the checks.

    Args:
        num_frames (int): frames per clip (F). Defaults to 12.
        sampling (str): ``'uniform'`` (test) or ``'rand'``.
        backend (str): ``'auto'``, ``'decord'`` or ``'pyav'``; ``'auto'``
            and ``'decord'`` fall back to PyAV, with a warning, where decord
            cannot be imported, and per file where it cannot read the file.
        on_error (str): ``'raise'`` or ``'skip'``.
        num_threads (int): decoder threads per video, 0 for the library's
            default. Defaults to 1 (dataloader workers give parallelism).
    """

    def __init__(self,
                 num_frames: int = 12,
                 sampling: str = 'uniform',
                 backend: str = 'auto',
                 on_error: str = 'raise',
                 num_threads: int = 1):
        if num_frames < 1:
            raise ValueError(f'num_frames must be positive, got {num_frames}')
        if sampling not in SAMPLING_MODES:
            raise ValueError(f'unknown sampling {sampling!r}, expected one '
                             f'of {SAMPLING_MODES}')
        if on_error not in ('raise', 'skip'):
            raise ValueError(f"on_error must be 'raise' or 'skip', got "
                             f'{on_error!r}')
        self.num_frames = num_frames
        self.sampling = sampling
        self.backend = resolve_backend(backend)
        self.on_error = on_error
        self.num_threads = num_threads
        self._skipped_files = set()
        self._fallback_files = set()

    @property
    def num_fallbacks(self) -> int:
        """Files this process decoded with PyAV because decord failed."""
        return len(self._fallback_files)

    def transform(self, results: dict) -> Optional[dict]:
        try:
            self._load(results)
        except (FileNotFoundError, VideoReadError) as err:
            if self.on_error == 'raise':
                raise
            path = results['video_path']
            if path not in self._skipped_files:
                self._skipped_files.add(path)
                print_log(
                    f'skipping a sample: {err}',
                    logger='current',
                    level=logging.WARNING)
            return None
        return results

    def _load(self, results: dict) -> None:
        path = results['video_path']
        sample = f'(video_id {results.get("video_id")!r})'
        if not osp.isfile(path):
            raise FileNotFoundError(f'video not found: {path!r} {sample}')
        imgs, frame_inds, total = self._decode_with_fallback(results, sample)
        results['imgs'] = imgs
        results['frame_inds'] = frame_inds
        results['total_frames'] = total
        results['original_shape'] = results['img_shape'] = imgs.shape[1:3]

    def _decode_with_fallback(self, results: dict, sample: str) -> tuple:
        """``_decode`` with ``self.backend``, then with PyAV if decord
        failed; ``VideoReadError`` naming the file when nothing worked."""
        path = results['video_path']
        try:
            return self._decode(results, self.backend)
        except VideoReadError as err:
            if self.backend == 'pyav':
                raise VideoReadError(f'cannot read video {path!r} {sample} '
                                     f'with pyav: {err}') from err
            decord_err = err
        try:
            decoded = self._decode(results, 'pyav')
        except VideoReadError as pyav_err:
            reasons = (f'with decord and pyav: {pyav_err}'
                       if str(decord_err) == str(pyav_err) else
                       f'with decord ({decord_err}) nor with pyav '
                       f'({pyav_err})')
            raise VideoReadError(f'cannot read video {path!r} {sample} '
                                 f'{reasons}') from pyav_err
        if path not in self._fallback_files:
            self._fallback_files.add(path)
            print_log(
                f'decord cannot read video {path!r} {sample} ({decord_err}); '
                f'decoded it with PyAV instead ({self.num_fallbacks} '
                "file(s) so far in this process; backend='pyav' decodes "
                'every file with PyAV)',
                logger='current',
                level=logging.WARNING)
        return decoded

    def _decode(self, results: dict,
                backend: str) -> Tuple[np.ndarray, np.ndarray, int]:
        """``(imgs [F, H, W, 3], frame_inds [F], total frames)`` decoded
        with ``backend``; any failure becomes a ``VideoReadError``."""
        try:
            reader = open_reader(
                backend, results['video_path'], num_threads=self.num_threads)
            total = checked_frame_count(reader)
            first, count = frame_window(total, reader.fps,
                                        results.get('start_time'),
                                        results.get('end_time'))
            frame_inds = sample_frame_indices(count, self.num_frames,
                                              self.sampling, first)
            imgs = reader.get_frames(frame_inds)
        except READ_ERRORS + (ValueError, ) as err:
            raise VideoReadError(str(err)) from err
        return imgs, frame_inds, total

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_frames={self.num_frames}, '
                f'sampling={self.sampling!r}, backend={self.backend!r}, '
                f'on_error={self.on_error!r})')
