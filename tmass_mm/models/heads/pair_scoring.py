"""All-pairs T-MASS inference scores (docs/method.md §6), fast and in
bounded memory.

``score(t, v) = max_m cos(t + eps_m * R(t, v), p(v | t))``.

* Pooling: the neck's per-frame form, ``neck.framewise(video)`` (the
  interface of ``necks/framewise.py``; X-Pool's applies the neck's ``D x D``
  maps once per frame and mixes them per pair, exactly); or, for fewer
  texts than frames (a search query), the neck's own forward on each block
  (``necks/pairwise.py``), which then costs less.
* Radius: the sampler's ``radius`` on each block (two batched matmuls).
* Noise: the sampler's ``inference_noise``, a counter-based generator; its
  module docstring defines the draw of every ``(text, video, trial)``
  exactly. Streams are named by positions (text index, gallery index) or,
  when the caller gives them, by stable identities of the texts and videos:
  then a pair's score does not depend on what else is scored with it.
* Sampling, mode ``'faithful'`` (default, docs/method.md §6): fresh ``eps`` per
  text, video and trial; the ``[M, D]`` samples of a few pairs at a time are
  built in cache-sized steps and reduced (building them is one pass over the
  fresh draws, fewer than the three weighted sums of the form below, which only
  pays when draws are shared). Mode ``'shared'``: the same ``M`` draws per text
  for every candidate video (each pair's score has the same distribution;
  scores of one text are no longer independent across videos). Then ``cos(t +
  eps * R, p) = (t.p + eps.(R*p)) / sqrt(|t|^2 + 2 eps.(R*t) + eps^2.R^2)`` and
  the three ``eps`` sums for all videos of a block are matrix products.

Texts and videos are processed in blocks of ``text_chunk x video_chunk``
pairs, so memory holds a few ``[video_chunk, text_chunk, D]`` tensors plus
per-video statistics the size of the input, whatever the gallery size.
"""
from typing import Optional

import torch
from torch import Tensor

from tmass_mm.models.necks.framewise import FramewisePooler
from tmass_mm.models.necks.pairwise import PairwisePooler, pairwise_is_cheaper
from tmass_mm.models.samplers.counter_noise import CounterNoise
from tmass_mm.utils.choices import check_choice

NOISE_MODES = ('faithful', 'shared')
#: (text_chunk, video_chunk, sample_chunk): small blocks stay in the CPU's
#: caches; a GPU wants large ones.
DEFAULT_CHUNKS = {'cpu': (32, 32, 2**20), 'gpu': (1024, 64, 2**26)}


@torch.no_grad()
def score_all_pairs(text: Tensor,
                    video: Tensor,
                    neck,
                    sampler,
                    num_trials: int,
                    generator: Optional[torch.Generator] = None,
                    pool_text_index: Optional[Tensor] = None,
                    text_chunk: Optional[int] = None,
                    video_chunk: Optional[int] = None,
                    *,
                    noise: str = 'faithful',
                    sample_chunk: Optional[int] = None,
                    video_offset: int = 0,
                    text_keys: Optional[Tensor] = None,
                    video_keys: Optional[Tensor] = None) -> Tensor:
    """Scores of every text against every video.

    Args:
        text: ``[T, D]`` text features.
        video: ``[V, F, D]`` frame features.
        neck: a neck with a ``framewise(video)`` method (``XPoolNeck`` or any
            neck implementing ``necks/framewise.py``); used as in eval mode
            (no dropout). With fewer texts than frames its forward pools
            instead (``necks/pairwise.py``).
        sampler: the ``StochasticTextSampler`` (radius, prior and its
            ``inference_noise``).
        num_trials: ``M``, stochastic texts per pair (best one kept).
        generator: the noise seed is drawn from it (one 32-bit draw); the
            global generator when ``None``.
        pool_text_index: ``[V]`` index of each video's ground-truth caption.
            When given (protocol ``official``), the trial is chosen against
            ``p(v | t)`` as usual but the returned score is its cosine with
            ``p(v | t_gt(v))``, as the public T-MASS evaluation computes.
        text_chunk, video_chunk: block sizes; ``None`` picks the device's
            default from ``DEFAULT_CHUNKS``. With fewer than ``text_chunk``
            texts, blocks take more videos, up to ``text_chunk *
            video_chunk`` pairs.
        noise: ``'faithful'`` or ``'shared'`` (see the module docstring).
        sample_chunk: faithful mode builds at most this many
            ``(pair, trial, dim)`` sample values at once (default from
            ``DEFAULT_CHUNKS``: cache-sized on CPU).
        video_offset: gallery index of ``video[0]``, when a gallery is
            scored in parts: part by part, the noise is that of one call.
        text_keys, video_keys: ``[T]`` and ``[V]`` int64 stable identities
            of the texts and videos (e.g. :func:`stable_key` of the query
            and of the video path), both or neither. When given, the noise
            of pair ``(t, v)``, trial ``m``, depends only on the seed,
            ``text_keys[t]``, ``video_keys[v]`` and ``m`` -- not on
            positions, ``T``, ``V``, block sizes or ``video_offset`` -- so a
            pair scores the same whatever it is scored with. When not given,
            streams are named by positions as described above.

    Returns:
        ``[T, V]`` float32 scores.
    """
    if num_trials < 1:
        raise ValueError(f'num_trials must be >= 1, got {num_trials}')
    check_choice('noise mode', noise, NOISE_MODES)
    device = text.device
    defaults = DEFAULT_CHUNKS['cpu' if device.type == 'cpu' else 'gpu']
    text_chunk = text_chunk or defaults[0]
    video_chunk = video_chunk or defaults[1]
    sample_chunk = sample_chunk or defaults[2]
    # fewer texts than a block holds: as many pairs, more videos per block
    video_chunk *= max(1, text_chunk // max(1, len(text)))
    streams = _stream_names(text, video, video_offset, text_keys, video_keys)
    framewise = getattr(neck, 'framewise', None)
    if framewise is None:
        raise TypeError(f'{type(neck).__name__} has no framewise(video) '
                        f'method, which all-pairs scoring needs: implement '
                        f'the per-frame interface of '
                        f'tmass_mm/models/necks/framewise.py')
    with torch.autocast(device.type, enabled=False):
        noise_source = sampler.inference_noise(
            _draw_seed(generator), text.shape[-1],
            'pair' if noise == 'faithful' else 'text', device)
        pooling = (
            PairwisePooler(neck, video) if pairwise_is_cheaper(
                len(text), video.shape[1]) else framewise(video))
        queries = pooling.queries(text)
        gt_pooled = None
        if pool_text_index is not None:
            videos = slice(0, len(pool_text_index))
            gt_pooled = pooling.pool_matched(
                queries[pool_text_index], videos, unit=True)
        return _score_blocks(text.float(), video, pooling, queries, sampler,
                             num_trials, noise_source, streams, gt_pooled,
                             text_chunk, video_chunk, sample_chunk)


def _draw_seed(generator: Optional[torch.Generator]) -> int:
    """One 32-bit seed from ``generator`` (or the global generator)."""
    device = generator.device if generator is not None else 'cpu'
    return int(torch.randint(0, 2**32, (), generator=generator, device=device))


class _StreamNames:
    """Names of the noise streams of every text and video: positions or
    stable identities (see :func:`score_all_pairs`).

    Args:
        texts: ``[T]`` int64 text indices or identities.
        videos: ``[V]`` int64 gallery indices or identities.
        keyed: whether they are identities.
    """

    def __init__(self, texts: Tensor, videos: Tensor, keyed: bool):
        self.texts, self.videos, self.keyed = texts, videos, keyed

    def text_keys(self, noise: CounterNoise, texts: slice,
                  num_trials: int) -> Tensor:
        """``[Tc, M]`` keys of kind ``'text'``."""
        if self.keyed:
            return noise.identity_keys(self.texts[texts], num_trials)
        return noise.keys(noise.counters(self.texts[texts], num_trials))

    def pair_keys(self, noise: CounterNoise, texts: slice, videos: slice,
                  num_trials: int) -> Tensor:
        """``[Vc, Tc, M]`` keys of kind ``'pair'``."""
        if self.keyed:
            return noise.identity_keys(self.texts[texts], num_trials,
                                       self.videos[videos])
        return noise.keys(
            noise.counters(self.texts[texts], num_trials, self.videos[videos],
                           len(self.texts)))


def _stream_names(text: Tensor, video: Tensor, video_offset: int,
                  text_keys: Optional[Tensor],
                  video_keys: Optional[Tensor]) -> _StreamNames:
    """Positions, or the caller's identities after checking them."""
    if (text_keys is None) != (video_keys is None):
        raise ValueError('text_keys and video_keys go together: give both '
                         '(stable identities) or neither (positions)')
    device = text.device
    if text_keys is None:
        return _StreamNames(
            torch.arange(len(text), device=device),
            torch.arange(len(video), device=device) + video_offset, False)
    for name, keys, count in [('text_keys', text_keys, len(text)),
                              ('video_keys', video_keys, len(video))]:
        if keys.dtype != torch.int64 or keys.shape != (count, ):
            raise ValueError(f'{name} must be an int64 tensor of shape '
                             f'({count},), one identity per row; got '
                             f'{keys.dtype} {tuple(keys.shape)}')
    return _StreamNames(text_keys.to(device), video_keys.to(device), True)


def _score_blocks(text: Tensor, video: Tensor, pooling: FramewisePooler,
                  queries: Tensor, sampler, num_trials: int,
                  noise: CounterNoise, streams: _StreamNames,
                  gt_pooled: Optional[Tensor], text_chunk: int,
                  video_chunk: int, sample_chunk: int) -> Tensor:
    """Visit the ``[T, V]`` score matrix block by block; see
    :func:`score_all_pairs`."""
    num_texts, num_videos = text.shape[0], video.shape[0]
    scores = text.new_empty((num_texts, num_videos))
    # faithful mode's int32 scratch, [2, pairs per step * M * D]
    pairs_per_step = min(
        max(1, sample_chunk // (num_trials * text.shape[1])),
        text_chunk * video_chunk)
    work = text.new_empty(
        (2, pairs_per_step * num_trials *
         text.shape[1]), dtype=torch.int32) if noise.kind == 'pair' else None
    for t0 in range(0, num_texts, text_chunk):
        texts = slice(t0, t0 + text_chunk)
        if noise.kind == 'text':
            draws = _shared_draws(
                text[texts],
                noise.draw(streams.text_keys(noise, texts, num_trials)))
        for v0 in range(0, num_videos, video_chunk):
            videos = slice(v0, v0 + video_chunk)
            pooled = pooling.pool(queries[texts], videos, unit=True)
            radius = sampler.radius(text[texts], video[videos]).float()
            gt = None if gt_pooled is None else gt_pooled[videos]
            if noise.kind == 'text':
                block = _shared_block(text[texts], pooled, radius, draws, gt)
            else:
                keys = streams.pair_keys(noise, texts, videos, num_trials)
                block = _faithful_block(text[texts], pooled, radius, keys,
                                        noise, gt, work)
            scores[texts, videos] = block
    return scores


def _faithful_block(text: Tensor, pooled: Tensor, radius: Tensor, keys: Tensor,
                    noise: CounterNoise, gt: Optional[Tensor],
                    work: Tensor) -> Tensor:
    """Best-of-M scores with fresh noise for every pair of a block.

    Args:
        text: ``[Tc, D]``; pooled: ``[Vc, Tc, D]`` unit ``p(v | t)``;
        radius: ``[Vc, Tc, D]``, overwritten; keys: ``[Vc, Tc, M]`` noise
        keys; gt: ``[Vc, D]`` unit ``p(v | t_gt(v))`` or ``None``;
        work: int32 scratch ``[2, n * M * D]``: ``n`` pairs are sampled
        at a time.

    Returns:
        ``[Tc, Vc]``.
    """
    num_videos, num_texts, dim = pooled.shape
    # t + eps * R = base + values * spread, eps = offset + scale * values
    base = torch.add(text, radius, alpha=noise.offset).flatten(0, 1)
    spread = radius.mul_(noise.scale).flatten(0, 1)
    pooled, keys = pooled.flatten(0, 1), keys.flatten(0, 1)
    step = work.shape[1] // keys[0].numel() // dim
    scores = text.new_empty(len(keys))
    for p0 in range(0, len(keys), step):
        pairs = slice(p0, p0 + step)
        size = keys[pairs].numel() * dim
        samples = noise.values(keys[pairs], work[:, :size])
        torch.addcmul(
            base[pairs, None], samples, spread[pairs, None], out=samples)
        gt_rows = None
        if gt is not None:
            gt_rows = gt[torch.arange(p0, p0 + len(samples), device=gt.device)
                         // num_texts]
        scratch = work[1, :size].view(torch.float32).view_as(samples)
        scores[pairs] = _best_trial(samples, pooled[pairs], gt_rows, scratch)
    return scores.view(num_videos, num_texts).T


def _best_trial(samples: Tensor, pooled: Tensor, gt: Optional[Tensor],
                scratch: Tensor) -> Tensor:
    """``max_m cos(samples[:, m], pooled)``, or with ``gt`` the chosen
    trial's cosine with ``gt``.

    Args:
        samples: ``[n, M, D]`` stochastic texts; pooled: ``[n, D]`` unit;
        gt: ``[n, D]`` unit or ``None``; scratch: like ``samples``.

    Returns:
        ``[n]``.
    """
    norms = torch.linalg.vector_norm(samples, dim=-1)
    dots = torch.mul(samples, pooled[:, None], out=scratch).sum(-1)
    best, trial = (dots / norms).max(-1)
    if gt is None:
        return best
    rows = torch.arange(len(trial), device=trial.device)
    return torch.linalg.vecdot(samples[rows, trial], gt) / norms[rows, trial]


def _shared_draws(text: Tensor, eps: Tensor) -> tuple:
    """``eps``, ``eps * t`` and ``eps^2``, each ``[Tc, M, D]``: the left
    factors of shared mode's three sums."""
    return eps, eps * text[:, None], eps.square()


def _shared_block(text: Tensor, pooled: Tensor, radius: Tensor, draws: tuple,
                  gt: Optional[Tensor]) -> Tensor:
    """Best-of-M scores of a block, each text's draws shared by its videos.

    Args:
        text: ``[Tc, D]``; pooled: ``[Vc, Tc, D]`` unit ``p(v | t)``;
        radius: ``[Vc, Tc, D]``; draws: from :func:`_shared_draws`;
        gt: ``[Vc, D]`` unit ``p(v | t_gt(v))`` or ``None``.

    Returns:
        ``[Tc, Vc]``.
    """
    eps, eps_text, eps_sq = draws
    radius, pooled = radius.transpose(0, 1), pooled.transpose(0, 1)
    # |t + eps * R|^2 and t . p + eps . (R * p), [Tc, M, Vc]
    sq_norms = text.square().sum(-1)[:, None, None] + \
        2 * (eps_text @ radius.mT) + eps_sq @ radius.square().mT
    norms = sq_norms.sqrt()
    dots = torch.linalg.vecdot(text[:, None], pooled)[:, None] + \
        eps @ (radius * pooled).mT
    best, trial = (dots / norms).max(1)
    if gt is None:
        return best
    gt_dots = (text @ gt.T)[:, None] + eps @ (radius * gt).mT
    return ((gt_dots / norms).gather(1, trial[:, None]))[:, 0]
