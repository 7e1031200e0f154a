"""The gallery cache file: frame features of every readable gallery video,
what they were made with, and the file stamps that tell which videos
changed.

Layout (``torch.save`` of plain containers, read back with
``weights_only=True``)::

    format    'tmass_mm.gallery_cache/1'
    identity  {'encoder': weight digest, 'pipeline': settings}   (str, str)
    keys      [V] str, GalleryVideo.key, sorted
    paths     [V] str; windows [V] [start, end] (seconds or None)
    stamps    [V, 2] int64, file size and mtime (ns)
    frames    [V, F, D] float16 frame features

Unreadable videos are not stored: they are tried again on the next run.
"""
import hashlib
import json
import logging
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional

import torch
from mmengine.logging import print_log
from torch import Tensor

from .gallery_files import GalleryVideo
from .search_scoring import unit_mean_frames

CACHE_FORMAT = 'tmass_mm.gallery_cache/1'
MISSING_STAMP = (-1, -1)


def file_stamp(path: str) -> tuple:
    """``(size, mtime_ns)`` of a file, :data:`MISSING_STAMP` if absent."""
    try:
        stat = os.stat(path)
    except OSError:
        return MISSING_STAMP
    return stat.st_size, stat.st_mtime_ns


@dataclass
class GalleryFeatures:
    """Frame features of a gallery, row ``i`` for ``videos[i]``.

    Attributes:
        videos: the encoded videos, sorted by key.
        stamps: ``[V, 2]`` int64 file size and mtime when encoded.
        frames: ``[V, F, D]`` float16.
        means: ``[V, D]`` float32 unit mean frame features (the
            shortlist stage; derived from ``frames``, not stored).
    """
    videos: List[GalleryVideo]
    stamps: Tensor
    frames: Tensor
    means: Tensor

    def rows_by_key(self) -> Dict[str, int]:
        return {video.key: row for row, video in enumerate(self.videos)}

    def to_dict(self, identity: dict) -> dict:
        return dict(
            format=CACHE_FORMAT,
            identity=dict(identity),
            keys=[video.key for video in self.videos],
            paths=[video.path for video in self.videos],
            windows=[[video.start, video.end] for video in self.videos],
            stamps=self.stamps,
            frames=self.frames)

    @classmethod
    def from_dict(cls, data: dict) -> 'GalleryFeatures':
        videos = [
            GalleryVideo(key, path, *window) for key, path, window in zip(
                data['keys'], data['paths'], data['windows'])
        ]
        frames = data['frames']
        return cls(videos, data['stamps'], frames, unit_mean_frames(frames))


def load_gallery_cache(path: str, identity: dict) -> Optional[GalleryFeatures]:
    """The cache at ``path`` if it exists, is readable and was made with
    ``identity``; otherwise ``None``, with the reason logged."""
    if not osp.exists(path):
        return None
    try:
        data = torch.load(path, map_location='cpu', weights_only=True)
        if data.get('format') != CACHE_FORMAT:
            raise ValueError(f'format {data.get("format")!r}, expected '
                             f'{CACHE_FORMAT!r}')
        features = GalleryFeatures.from_dict(data)
    except Exception as err:  # any unreadable file is only a lost cache
        print_log(
            f'gallery cache {path} is unreadable ({type(err).__name__}: '
            f'{err}); encoding the gallery again and overwriting it',
            logger='current',
            level=logging.WARNING)
        return None
    stale = [
        name for name in sorted(identity)
        if data['identity'].get(name) != identity[name]
    ]
    if stale:
        print_log(
            f'gallery cache {path} is stale (its {" and ".join(stale)} '
            f'differ from this model\'s); encoding the gallery again',
            logger='current',
            level=logging.WARNING)
        return None
    return features


def save_gallery_cache(path: str, features: GalleryFeatures,
                       identity: dict) -> None:
    """Write the cache atomically (a temporary file renamed over ``path``).
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    partial = f'{path}.partial-{os.getpid()}'
    torch.save(features.to_dict(identity), partial)
    os.replace(partial, path)


def cache_identity(model, pipeline_cfg: list) -> dict:
    """What frame features depend on, as strings: a SHA-256 digest of the
    backbone weights and the preprocessor's statistics, and the test
    pipeline's settings."""
    digest = hashlib.sha256()
    state = model.backbone.state_dict()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f'{name}:{tensor.dtype}:{tuple(tensor.shape)}'.encode())
        digest.update(tensor.view(-1).view(torch.uint8).numpy())
    for name in ('mean', 'std'):
        stat = getattr(model.data_preprocessor, name, None)
        if stat is not None:
            digest.update(f'{name}:{stat.flatten().tolist()}'.encode())
    return dict(
        encoder=digest.hexdigest(),
        pipeline=json.dumps(pipeline_cfg, sort_keys=True, default=str))
