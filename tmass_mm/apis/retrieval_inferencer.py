"""Search your own videos with a sentence:
:class:`TextToVideoRetrievalInferencer`."""
import copy
import logging
from typing import List, Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.logging import print_log
from torch import Tensor

from tmass_mm.registry import TRANSFORMS
from .gallery_cache import (GalleryFeatures, cache_identity, file_stamp,
                            load_gallery_cache, save_gallery_cache)
from .gallery_encoding import encode_videos
from .gallery_files import GalleryVideo, list_gallery
from .gallery_ranking import DEFAULT_SHORTLIST, GalleryRanker, Queries
from .model_loading import init_retriever
from .search_scoring import unit_mean_frames

#: weights a checkpoint must hold to encode raw videos and score them
ENCODING_PARTS = ('backbone.', 'neck.', 'head.')


def test_pipeline_cfg(cfg: Config) -> list:
    """The transforms of ``test_dataloader.dataset.pipeline``."""
    try:
        pipeline = cfg.test_dataloader.dataset.pipeline
    except AttributeError:
        raise KeyError('the config has no test_dataloader.dataset.pipeline; '
                       'search encodes videos with the test pipeline, so '
                       'use the config the model was trained with') from None
    return [copy.deepcopy(dict(transform)) for transform in pipeline]


class TextToVideoRetrievalInferencer:
    """Rank a gallery of videos for sentences with a T-MASS model.

    The gallery is encoded once with the model's test pipeline (frame
    features, float16); with ``gallery_cache`` the features are kept in a
    file and later runs encode only the videos added or changed since (by
    path, size and mtime). Scores are T-MASS's (docs/method.md §6) with the
    head's ``num_trials``; the noise of a (query, video) pair depends only
    on the seed, the query text and the video's key, so a pair's score is
    the same in a full ranking, on a shortlist and after the gallery grew.

    Args:
        config: the model's config file (or ``Config``).
        checkpoint: its checkpoint, holding backbone, neck and head weights;
            ``None`` keeps random weights.
        gallery: a folder of videos (searched recursively), a list of video
            paths, or a dataset config.
        gallery_cache: optional cache file (see
            :mod:`tmass_mm.apis.gallery_cache`), created or updated.
        shortlist: videos a query scores exactly in two-stage search (more
            where the shortlist is widened, see docs/search.md).
        seed: noise seed; defaults to the head's ``eval_seed``.
        device: where the model runs.
        batch_size, num_workers: videos per backbone call and decoding
            processes while encoding.
        progress: show a progress bar while encoding.
        cfg_options: merged into the config.

    Attributes:
        features: :class:`GalleryFeatures` of the readable videos.
        report: counts of the last gallery update: ``videos`` (listed),
            ``cached`` (reused), ``encoded``, ``removed`` (dropped from
            the cache) and ``failed`` (a list of ``(path, reason)``).

    Example::

        search = TextToVideoRetrievalInferencer(
            'CONFIG', 'CHECKPOINT', gallery='videos/',
            gallery_cache='gallery.pth')
        search('a dog catches a frisbee', topk=5)
        # [{'video': 'videos/x.mp4', 'score': 0.41, 'rank': 1}, ...]
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str],
                 gallery: Union[str, Sequence[str], dict],
                 gallery_cache: Optional[str] = None,
                 shortlist: int = DEFAULT_SHORTLIST,
                 seed: Optional[int] = None,
                 device: Union[str, torch.device] = 'cpu',
                 batch_size: int = 8,
                 num_workers: int = 0,
                 progress: bool = True,
                 cfg_options: Optional[dict] = None):
        if shortlist < 1:
            raise ValueError(f'shortlist must be >= 1, got {shortlist}')
        self.model, self.cfg = init_retriever(
            config, checkpoint, device, cfg_options, required=ENCODING_PARTS)
        self.pipeline_cfg = test_pipeline_cfg(self.cfg)
        self.pipeline = Compose(
            [TRANSFORMS.build(copy.deepcopy(t)) for t in self.pipeline_cfg])
        self.tokenize = self._find_tokenizer()
        self.gallery_spec = gallery
        self.gallery_cache = gallery_cache
        self.shortlist = shortlist
        self.seed = self.model.head.eval_seed if seed is None else seed
        self.encoding = dict(
            batch_size=batch_size, num_workers=num_workers, progress=progress)
        self.identity = cache_identity(self.model, self.pipeline_cfg)
        self.update_gallery()

    def _find_tokenizer(self):
        from tmass_mm.datasets.transforms import TokenizeTexts
        found = [
            t for t in self.pipeline.transforms
            if isinstance(t, TokenizeTexts)
        ]
        if not found:
            raise KeyError('the test pipeline has no TokenizeTexts: queries '
                           'would not be tokenised as in training')
        return found[0]

    # --- the gallery ----------------------------------------------------
    def update_gallery(self) -> dict:
        """List the gallery again and encode what the cache lacks: new
        videos, changed files (size or mtime) and, with a stale or no
        cache, everything. Unreadable videos are left out and reported.

        Returns:
            :attr:`report`.
        """
        videos = list_gallery(self.gallery_spec)
        stamps = torch.tensor([file_stamp(video.path) for video in videos],
                              dtype=torch.int64)
        cached = None
        if self.gallery_cache:
            cached = load_gallery_cache(self.gallery_cache, self.identity)
        reuse = _fresh_rows(videos, stamps, cached)
        todo = [i for i, row in enumerate(reuse) if row is None]
        encoded = encode_videos(self.model, self.pipeline,
                                [videos[i] for i in todo], **self.encoding)
        self.features = _assemble(videos, stamps, cached, reuse, todo, encoded)
        listed = {video.key for video in videos}
        removed = 0 if cached is None else sum(video.key not in listed
                                               for video in cached.videos)
        self.report = dict(
            videos=len(videos),
            cached=len(videos) - len(todo),
            encoded=len(encoded.ok),
            removed=removed,
            failed=[(video.path, reason) for video, reason in encoded.failed])
        self._log_report()
        if not self.features.videos:
            raise ValueError(
                f'no readable video in the gallery: all {len(videos)} '
                f'failed, e.g. {self.report["failed"][0][0]!r}: '
                f'{self.report["failed"][0][1]}')
        if self.gallery_cache and (todo or removed or cached is None):
            save_gallery_cache(self.gallery_cache, self.features,
                               self.identity)
        self.ranker = GalleryRanker(self.model, self.tokenize, self.features,
                                    self.seed, self.shortlist)
        return self.report

    def encode_text(self, queries: List[str]) -> Tensor:
        """``[Q, D]`` text features (:meth:`GalleryRanker.encode_text`)."""
        return self.ranker.encode_text(queries)

    def __call__(self,
                 queries: Queries,
                 topk: int = 5,
                 exhaustive: bool = False,
                 shortlist: Optional[int] = None,
                 seed: Optional[int] = None) -> list:
        """Rank the gallery for each query; see
        :meth:`GalleryRanker.__call__`."""
        return self.ranker(queries, topk, exhaustive, shortlist, seed)

    def _log_report(self) -> None:
        report = self.report
        print_log(
            f'gallery: {report["videos"]} videos listed, '
            f'{report["cached"]} from the cache, {report["encoded"]} '
            f'encoded, {report["removed"]} dropped from the cache, '
            f'{len(report["failed"])} unreadable and left out',
            logger='current',
            level=logging.INFO)
        for path, reason in report['failed']:
            print_log(
                f'left out of the gallery: {path}: {reason}',
                logger='current',
                level=logging.WARNING)


def _fresh_rows(videos: List[GalleryVideo], stamps: Tensor,
                cached: Optional[GalleryFeatures]) -> list:
    """Per video its cache row when the cache holds it with the same file
    size and mtime, else ``None``."""
    if cached is None:
        return [None] * len(videos)
    rows = cached.rows_by_key()
    fresh = []
    for video, stamp in zip(videos, stamps):
        row = rows.get(video.key)
        same = row is not None and torch.equal(cached.stamps[row], stamp)
        fresh.append(row if same else None)
    return fresh


def _assemble(videos: List[GalleryVideo], stamps: Tensor,
              cached: Optional[GalleryFeatures], reuse: list, todo: List[int],
              encoded) -> GalleryFeatures:
    """The gallery's features in gallery order: cached rows where fresh,
    newly encoded ones elsewhere, unreadable videos left out."""
    new_rows = {todo[i]: n for n, i in enumerate(encoded.ok)}
    keep = [
        i for i, row in enumerate(reuse) if row is not None or i in new_rows
    ]
    from_cache = [(n, reuse[i]) for n, i in enumerate(keep)
                  if reuse[i] is not None]
    from_encoder = [(n, new_rows[i]) for n, i in enumerate(keep)
                    if reuse[i] is None]
    sources = [(cached.frames if cached else None, from_cache),
               (encoded.frames, from_encoder)]
    shape = next((source.shape[1:] for source, pairs in sources if pairs),
                 (0, 0))
    frames = torch.empty((len(keep), *shape), dtype=torch.half)
    for source, pairs in sources:
        if pairs:
            dst, src = zip(*pairs)
            frames[list(dst)] = source[list(src)]
    return GalleryFeatures([videos[i] for i in keep], stamps[keep], frames,
                           unit_mean_frames(frames))
