"""All-pairs T-MASS inference scores (SPEC §6), fast and in bounded memory.

``score(t, v) = max_m cos(t + eps_m * R(t, v), p(v | t))``.

* Pooling: :class:`FramewisePooling` applies the neck's ``D x D`` maps once
  per frame and mixes them per pair (exact, see its module).
* Radius: the sampler's ``radius`` on each block (two batched matmuls).
* Noise: :class:`CounterNoise`, a counter-based generator; its module
  docstring defines the draw of every ``(text, video, trial)`` exactly.
* Sampling, mode ``'faithful'`` (default, SPEC §6): fresh ``eps`` per text,
  video and trial; the ``[M, D]`` samples of a few pairs at a time are built
  in cache-sized steps and reduced at once. Mode ``'shared'``: the same
  ``M`` draws per text for every candidate video (each pair's score has the
  same distribution; scores of one text are no longer independent across
  videos). Then ``cos(t + eps * R, p) = (t.p + eps.(R*p)) /
  sqrt(|t|^2 + 2 eps.(R*t) + eps^2.R^2)`` and the three ``eps`` sums for all
  videos of a block are matrix products.

Texts and videos are processed in blocks of ``text_chunk x video_chunk``
pairs, so memory holds a few ``[video_chunk, text_chunk, D]`` tensors plus
per-video statistics the size of the input, whatever the gallery size.
"""
from typing import Optional

import torch
from torch import Tensor
from torch.nn.functional import normalize

from .pair_noise import CounterNoise
from .pair_pooling import FramewisePooling

NOISE_MODES = ('faithful', 'shared')


@torch.no_grad()
def score_all_pairs(text: Tensor,
                    video: Tensor,
                    neck,
                    sampler,
                    num_trials: int,
                    generator: Optional[torch.Generator] = None,
                    pool_text_index: Optional[Tensor] = None,
                    text_chunk: int = 256,
                    video_chunk: int = 32,
                    *,
                    noise: str = 'faithful',
                    sample_chunk: Optional[int] = None) -> Tensor:
    """Scores of every text against every video.

    Args:
        text: ``[T, D]`` text features.
        video: ``[V, F, D]`` frame features.
        neck: the ``XPoolNeck``; used as in eval mode (no dropout).
        sampler: the ``StochasticTextSampler`` (radius and prior).
        num_trials: ``M``, stochastic texts per pair (best one kept).
        generator: the noise seed is drawn from it (one 32-bit draw); the
            global generator when ``None``.
        pool_text_index: ``[V]`` index of each video's ground-truth caption.
            When given (protocol ``official``), the trial is chosen against
            ``p(v | t)`` as usual but the returned score is its cosine with
            ``p(v | t_gt(v))``, as the public T-MASS evaluation computes.
        text_chunk, video_chunk: block sizes.
        noise: ``'faithful'`` or ``'shared'`` (see the module docstring).
        sample_chunk: faithful mode builds at most this many
            ``(pair, trial, dim)`` sample values at once; by default 2^20
            on CPU (cache-sized) and 2^27 on GPU.

    Returns:
        ``[T, V]`` float32 scores.
    """
    if num_trials < 1:
        raise ValueError(f'num_trials must be >= 1, got {num_trials}')
    if noise not in NOISE_MODES:
        raise ValueError(f'unknown noise mode {noise!r}; choose one of '
                         f'{NOISE_MODES}')
    device = text.device
    if sample_chunk is None:
        sample_chunk = 2**20 if device.type == 'cpu' else 2**27
    with torch.autocast(device.type, enabled=False):
        noise_source = CounterNoise(
            _draw_seed(generator), text.shape[-1],
            'pair' if noise == 'faithful' else 'text', sampler.prior,
            sampler.prior_std, device)
        pooling = FramewisePooling(neck, video)
        queries = pooling.queries(text)
        gt_pooled = None
        if pool_text_index is not None:
            gt_pooled = _gt_pooled(pooling, queries, pool_text_index)
        return _score_blocks(text.float(), video, pooling, queries, sampler,
                             num_trials, noise_source, gt_pooled, text_chunk,
                             video_chunk, sample_chunk)


def _draw_seed(generator: Optional[torch.Generator]) -> int:
    """One 32-bit seed from ``generator`` (or the global generator)."""
    device = generator.device if generator is not None else 'cpu'
    return int(torch.randint(0, 2**32, (), generator=generator,
                             device=device))


def _gt_pooled(pooling: FramewisePooling, queries: Tensor,
               pool_text_index: Tensor) -> Tensor:
    """``[V, D]`` unit ``p(v | t_gt(v))``."""
    videos = slice(0, len(pool_text_index))
    weights = pooling.paired_attention(queries[pool_text_index], videos)
    return normalize(pooling.pool(weights, videos)[:, 0], dim=-1)


def _score_blocks(text: Tensor, video: Tensor, pooling: FramewisePooling,
                  queries: Tensor, sampler, num_trials: int,
                  noise: CounterNoise, gt_pooled: Optional[Tensor],
                  text_chunk: int, video_chunk: int,
                  sample_chunk: int) -> Tensor:
    """Visit the ``[T, V]`` score matrix block by block; see
    :func:`score_all_pairs`."""
    num_texts, num_videos = text.shape[0], video.shape[0]
    scores = text.new_empty((num_texts, num_videos))
    text_index = torch.arange(num_texts, device=text.device)
    video_index = torch.arange(num_videos, device=text.device)
    for t0 in range(0, num_texts, text_chunk):
        texts = slice(t0, t0 + text_chunk)
        if noise.kind == 'text':
            shared_eps = noise.draw(noise.keys(
                noise.counters(text_index[texts], num_trials)))
        for v0 in range(0, num_videos, video_chunk):
            videos = slice(v0, v0 + video_chunk)
            pooled = normalize(pooling.pool(
                pooling.attention(queries[texts], videos), videos), dim=-1)
            radius = sampler.radius(text[texts], video[videos]).float()
            gt = None if gt_pooled is None else gt_pooled[videos]
            if noise.kind == 'text':
                block = _shared_block(text[texts], pooled, radius,
                                      shared_eps, gt)
            else:
                keys = noise.keys(noise.counters(
                    text_index[texts], num_trials, video_index[videos],
                    num_videos))
                block = _faithful_block(text[texts], pooled, radius, keys,
                                        noise, gt, sample_chunk)
            scores[texts, videos] = block
    return scores


def _faithful_block(text: Tensor, pooled: Tensor, radius: Tensor,
                    keys: Tensor, noise: CounterNoise,
                    gt: Optional[Tensor], sample_chunk: int) -> Tensor:
    """Best-of-M scores with fresh noise for every pair of a block.

    Args:
        text: ``[Tc, D]``; pooled: ``[Vc, Tc, D]`` unit ``p(v | t)``;
        radius: ``[Vc, Tc, D]``; keys: ``[Vc, Tc, M]`` noise keys;
        gt: ``[Vc, D]`` unit ``p(v | t_gt(v))`` or ``None``.

    Returns:
        ``[Tc, Vc]``.
    """
    num_videos, num_texts, dim = pooled.shape
    num_trials = keys.shape[-1]
    step = max(1, sample_chunk // (num_trials * dim))
    buffer = text.new_empty(min(step, num_texts) * num_trials * dim)
    block = text.new_empty(num_texts, num_videos)
    for v in range(num_videos):
        for t0 in range(0, num_texts, step):
            texts = slice(t0, t0 + step)
            samples = noise.draw(keys[v, texts], out=buffer[
                :keys[v, texts].numel() * dim].view(-1, num_trials, dim))
            torch.addcmul(text[texts, None], samples, radius[v, texts, None],
                          out=samples)
            block[texts, v] = _best_trial(
                samples, pooled[v, texts], None if gt is None else gt[v])
    return block


def _best_trial(samples: Tensor, pooled: Tensor,
                gt: Optional[Tensor]) -> Tensor:
    """``max_m cos(samples[:, m], pooled)``, or with ``gt`` the chosen
    trial's cosine with ``gt``.

    Args:
        samples: ``[n, M, D]`` stochastic texts; pooled: ``[n, D]`` unit;
        gt: ``[D]`` unit or ``None``.

    Returns:
        ``[n]``.
    """
    norms = torch.linalg.vector_norm(samples, dim=-1)
    best, trial = ((samples @ pooled[..., None])[..., 0] / norms).max(-1)
    if gt is None:
        return best
    rows = torch.arange(len(trial), device=trial.device)
    return (samples[rows, trial] @ gt) / norms[rows, trial]


def _shared_block(text: Tensor, pooled: Tensor, radius: Tensor, eps: Tensor,
                  gt: Optional[Tensor]) -> Tensor:
    """Best-of-M scores of a block, each text's draws shared by its videos.

    Args:
        text: ``[Tc, D]``; pooled: ``[Vc, Tc, D]`` unit ``p(v | t)``;
        radius: ``[Vc, Tc, D]``; eps: ``[Tc, M, D]``;
        gt: ``[Vc, D]`` unit ``p(v | t_gt(v))`` or ``None``.

    Returns:
        ``[Tc, Vc]``.
    """
    num_videos = pooled.shape[0]
    radius = radius.permute(1, 2, 0)  # [Tc, D, Vc]
    targets = [pooled.permute(1, 2, 0), text[..., None]]
    if gt is not None:
        targets.append(gt.T[None])
    # eps . (R * target) for every trial and video: [Tc, M, k * Vc]
    sums = (eps @ torch.cat([radius * x for x in targets], dim=-1)).split(
        num_videos, dim=-1)
    sq_norms = (text.square().sum(-1)[:, None, None] + 2 * sums[1] +
                eps.square() @ radius.square())
    norms = sq_norms.sqrt()  # [Tc, M, Vc]
    dots = torch.einsum('td,vtd->tv', text, pooled)[:, None] + sums[0]
    best, trial = (dots / norms).max(1)
    if gt is None:
        return best
    gt_dots = (text @ gt.T)[:, None] + sums[2]
    return ((gt_dots / norms).gather(1, trial[:, None]))[:, 0]
