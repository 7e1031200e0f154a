"""Shared pieces of the scoring tests: small random necks, samplers and
features, and a plain per-pair implementation of docs/method.md §6.

The reference loops over every (text, video) pair and trial, pools with the
neck's own forward, takes the radius from the sampler and the draws from
``CounterNoise`` (whose definition is pinned independently in
``test_pair_scoring_noise.py``), and keeps the best trial by hand.
"""
import torch
from torch.nn.functional import cosine_similarity

from tmass_mm.models import StochasticTextSampler, XPoolNeck
from tmass_mm.models.heads import score_all_pairs
from tmass_mm.models.samplers.counter_noise import CounterNoise

DIM, FRAMES = 16, 4


def make_neck(num_heads=1, seed=0):
    """A neck with weights moved well away from the identity init."""
    torch.manual_seed(seed)
    neck = XPoolNeck(DIM, num_heads, dropout=0.3).eval()
    with torch.no_grad():
        for param in neck.parameters():
            param.add_(0.3 * torch.randn_like(param))
    return neck


def make_sampler(radius='SimilarityRadius', prior='uniform01', std=3e-3):
    cfg = dict(type=radius, embed_dim=DIM)
    if radius == 'SimilarityRadius':
        cfg['num_frames'] = FRAMES
    sampler = StochasticTextSampler(radius=cfg, prior=prior, prior_std=std)
    with torch.no_grad():
        for param in sampler.parameters():
            param.add_(0.5 * torch.randn_like(param))
    return sampler


def make_features(num_texts=5, num_videos=4, seed=1):
    gen = torch.Generator().manual_seed(seed)
    return (2 * torch.randn(num_texts, DIM, generator=gen),
            2 * torch.randn(num_videos, FRAMES, DIM, generator=gen))


def seed_of(generator_seed):
    """The noise seed ``score_all_pairs`` draws from its generator."""
    gen = torch.Generator().manual_seed(generator_seed)
    return int(torch.randint(0, 2**32, (), generator=gen))


def reference_draws(sampler,
                    seed,
                    noise,
                    t,
                    v,
                    num_texts,
                    num_trials,
                    text_keys=None,
                    video_keys=None):
    """``[M, D]`` eps of pair (t, v): per pair or per text, streams named by
    positions or by the identities ``text_keys[t]``, ``video_keys[v]``."""
    kind = 'pair' if noise == 'faithful' else 'text'
    source = CounterNoise(seed, DIM, kind, sampler.prior, sampler.prior_std)
    if text_keys is not None:
        video_key = video_keys[v:v + 1] if kind == 'pair' else None
        keys = source.identity_keys(text_keys[t:t + 1], num_trials, video_key)
        return source.draw(keys.reshape(num_trials))
    index = torch.tensor([t])
    if kind == 'pair':
        counters = source.counters(index, num_trials, torch.tensor([v]),
                                   num_texts)[0, 0]
    else:
        counters = source.counters(index, num_trials)[0]
    return source.draw(source.keys(counters))


def reference_scores(text,
                     video,
                     neck,
                     sampler,
                     num_trials,
                     generator_seed=0,
                     pool_text_index=None,
                     noise='faithful',
                     text_keys=None,
                     video_keys=None):
    """Plain docs/method.md §6 scores, one pair and one trial at a time."""
    seed = seed_of(generator_seed)
    num_texts, num_videos = text.shape[0], video.shape[0]
    scores = torch.empty(num_texts, num_videos)
    with torch.no_grad():
        for v in range(num_videos):
            frames = video[v:v + 1]
            for t in range(num_texts):
                pooled = neck(text[t:t + 1], frames)[0, 0]
                radius = sampler.radius(text[t:t + 1], frames)[0, 0]
                eps = reference_draws(sampler, seed, noise, t, v, num_texts,
                                      num_trials, text_keys, video_keys)
                best, chosen = -float('inf'), None
                for m in range(num_trials):
                    sample = text[t] + eps[m] * radius
                    sim = float(cosine_similarity(sample, pooled, dim=0))
                    if sim > best:
                        best, chosen = sim, sample
                if pool_text_index is not None:
                    gt_text = text[pool_text_index[v]][None]
                    gt_pooled = neck(gt_text, frames, all_pairs=False)[0]
                    best = float(cosine_similarity(chosen, gt_pooled, dim=0))
                scores[t, v] = best
    return scores


def score(text, video, neck, sampler, num_trials, generator_seed=0, **kwargs):
    generator = torch.Generator().manual_seed(generator_seed)
    return score_all_pairs(text, video, neck, sampler, num_trials, generator,
                           **kwargs)
