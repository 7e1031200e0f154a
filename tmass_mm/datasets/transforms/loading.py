"""Decoding the sampled frames of a video."""
import logging
import os.path as osp
from typing import Optional

from mmcv.transforms import BaseTransform
from mmengine.logging import print_log

from tmass_mm.registry import TRANSFORMS
from .frame_sampling import SAMPLING_MODES, frame_window, sample_frame_indices
from .video_readers import READERS, VideoReadError, resolve_backend


@TRANSFORMS.register_module()
class LoadVideoFrames(BaseTransform):
    """Decode ``num_frames`` frames of ``results['video_path']``.

    Frames are chosen by ``sample_frame_indices`` (docs/method.md §1) inside
    the
    optional window ``results['start_time'] .. results['end_time']``
    (seconds): ``'uniform'`` takes the middle frame of each of
    ``num_frames`` equal segments, ``'rand'`` a random frame of each; a
    video with fewer frames repeats its last frame; a one-frame video gives
    ``num_frames`` copies of it.

    Required keys: ``video_path``; optional ``video_id``, ``start_time``,
    ``end_time``.

    Added keys:
        imgs (np.ndarray): uint8 ``[F, H, W, 3]`` RGB.
        frame_inds (np.ndarray): int64 ``[F]``, the decoded frame indices.
        total_frames (int): decodable frames of the whole video.
        original_shape, img_shape (tuple[int, int]): ``(H, W)``.

    A missing file, a file that cannot be decoded and a file with no frame
    raise ``VideoReadError`` (``FileNotFoundError`` for the missing file)
    naming the path and the ``video_id``. With ``on_error='skip'`` the
    transform instead logs a warning once per file (per worker process)
    through MMEngine's current logger and returns
    ``None``: in training MMEngine's ``BaseDataset`` then draws another
    sample and ``BaseRetrievalDataset`` counts the skip for
    ``ReportSkippedVideosHook``; in test mode the dataset raises, since
    every gallery video must be scored. No frame is ever made up.

    Args:
        num_frames (int): frames per clip (F). Defaults to 12.
        sampling (str): ``'uniform'`` (test) or ``'rand'``.
        backend (str): ``'decord'`` or ``'pyav'``; ``'decord'`` falls back to
            PyAV, with a warning, where decord cannot be imported.
        on_error (str): ``'raise'`` or ``'skip'``.
        num_threads (int): decoder threads per video, 0 for the library's
            default. Defaults to 1 (dataloader workers give parallelism).
    """

    def __init__(self,
                 num_frames: int = 12,
                 sampling: str = 'uniform',
                 backend: str = 'decord',
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
        self._warned_files = set()

    def transform(self, results: dict) -> Optional[dict]:
        path = results['video_path']
        try:
            self._load(results)
        except (FileNotFoundError, VideoReadError) as err:
            if self.on_error == 'raise':
                raise
            if path not in self._warned_files:
                self._warned_files.add(path)
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
        reader_cls = READERS[self.backend]
        try:
            reader = reader_cls(path, num_threads=self.num_threads)
            if reader.num_frames < 1:
                raise VideoReadError('the video has no decodable frame')
            first, count = frame_window(reader.num_frames, reader.fps,
                                        results.get('start_time'),
                                        results.get('end_time'))
            frame_inds = sample_frame_indices(count, self.num_frames,
                                              self.sampling, first)
            imgs = reader.get_frames(frame_inds)
        except reader_cls.ERRORS + (ValueError, ) as err:
            raise VideoReadError(
                f'cannot read video {path!r} {sample} with {self.backend}: '
                f'{err}') from err
        results['imgs'] = imgs
        results['frame_inds'] = frame_inds
        results['total_frames'] = reader.num_frames
        results['original_shape'] = results['img_shape'] = imgs.shape[1:3]

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_frames={self.num_frames}, '
                f'sampling={self.sampling!r}, backend={self.backend!r}, '
                f'on_error={self.on_error!r})')
