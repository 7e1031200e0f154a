"""The fast scorer's interfaces: a neck's per-frame form (any neck that
implements it) and noise keyed by stable identities (docs/models_api.md)."""
import pytest
import torch
from pair_reference import (DIM, FRAMES, make_features, make_neck,
                            make_sampler, reference_scores, score)
from torch import nn

from tmass_mm.models import TMASSHead, stable_key
from tmass_mm.models.heads import score_all_pairs


class BilinearPoolNeck(nn.Module):
    """A toy neck unlike X-Pool: ``p(v | t) = sum_f softmax_f(t' W f_f)
    f_f``, no projections or norms after the pooling."""

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(dim, dim) / dim**0.5)

    def forward(self, text, video, all_pairs=True):
        if all_pairs:
            logits = torch.einsum('td,de,vfe->vtf', text, self.weight, video)
            return torch.einsum('vtf,vfd->vtd', logits.softmax(-1), video)
        logits = torch.einsum('nd,de,nfe->nf', text, self.weight, video)
        return torch.einsum('nf,nfd->nd', logits.softmax(-1), video)

    def framewise(self, video):
        return BilinearFramewise(self, video)


class BilinearFramewise:
    """The toy neck's per-frame form: frame keys ``W f`` once per video."""

    def __init__(self, neck, video):
        self.frames = video.float()
        self.keys = self.frames @ neck.weight.float().T  # [V, F, D]

    def queries(self, text):
        return text.float()

    def pool(self, queries, videos, unit=False):
        weights = torch.einsum('td,vfd->vtf', queries, self.keys[videos])
        pooled = weights.softmax(-1) @ self.frames[videos]
        return nn.functional.normalize(pooled, dim=-1) if unit else pooled

    def pool_matched(self, queries, videos, unit=False):
        weights = torch.einsum('vd,vfd->vf', queries, self.keys[videos])
        pooled = torch.einsum('vf,vfd->vd', weights.softmax(-1),
                              self.frames[videos])
        return nn.functional.normalize(pooled, dim=-1) if unit else pooled


@pytest.mark.parametrize('noise', ['faithful', 'shared'])
def test_another_neck_with_the_per_frame_interface(noise):
    torch.manual_seed(4)
    neck = BilinearPoolNeck(DIM)
    sampler = make_sampler(prior='normal', std=0.5)
    text, video = make_features(num_texts=6, num_videos=5)
    gt_caption = torch.tensor([5, 0, 3, 1, 2])
    for pool_text_index in (None, gt_caption):
        expected = reference_scores(
            text,
            video,
            neck,
            sampler,
            4,
            noise=noise,
            pool_text_index=pool_text_index)
        actual = score(
            text,
            video,
            neck,
            sampler,
            4,
            noise=noise,
            pool_text_index=pool_text_index,
            text_chunk=4,
            video_chunk=2)
        torch.testing.assert_close(actual, expected, rtol=0, atol=1e-5)
    # the toy neck really differs from X-Pool's scores
    xpool = score(text, video, make_neck(), sampler, 4, noise=noise)
    assert (actual - xpool).abs().max() > 1e-2


def test_a_neck_without_the_interface_is_named():
    text, video = make_features()
    with pytest.raises(TypeError, match='Linear has no framewise'):
        score(text, video, nn.Linear(DIM, DIM), make_sampler(), 2)


def keys_of(names):
    return torch.tensor([stable_key(name) for name in names])


QUERIES = [f'query {i}' for i in range(7)]
VIDEOS = [f'videos/clip_{i}.mp4' for i in range(9)]


@pytest.mark.parametrize('noise', ['faithful', 'shared'])
def test_keyed_pair_scores_do_not_depend_on_the_company(noise):
    neck, sampler = make_neck(2), make_sampler()
    text, video = make_features(num_texts=7, num_videos=9)
    text_keys, video_keys = keys_of(QUERIES), keys_of(VIDEOS)

    def keyed(texts, videos, **kwargs):
        return score(
            text[texts],
            video[videos],
            neck,
            sampler,
            5,
            generator_seed=11,
            noise=noise,
            text_keys=text_keys[texts],
            video_keys=video_keys[videos],
            **kwargs)

    everything = keyed(slice(None), slice(None))
    expected = reference_scores(
        text,
        video,
        neck,
        sampler,
        5,
        generator_seed=11,
        noise=noise,
        text_keys=text_keys,
        video_keys=video_keys)
    torch.testing.assert_close(everything, expected, rtol=0, atol=1e-5)
    # alone, in a subset, shuffled, in other blocks and with an offset
    alone = keyed([3], [6])
    assert alone.shape == (1, 1)
    torch.testing.assert_close(
        alone[0, 0], everything[3, 6], rtol=0, atol=1e-6)
    texts, videos = torch.tensor([6, 3, 0]), torch.tensor([8, 6, 2, 5])
    subset = keyed(texts, videos, text_chunk=2, video_chunk=3, video_offset=4)
    torch.testing.assert_close(
        subset, everything[texts][:, videos], rtol=0, atol=1e-6)
    # positions would have given pair (3, 6) other noise in the subset
    positional = score(
        text[texts],
        video[videos],
        neck,
        sampler,
        5,
        generator_seed=11,
        noise=noise)
    assert (positional - subset).abs().max() > 1e-4


def test_keyed_noise_differs_from_positions_and_follows_the_seed():
    neck, sampler = make_neck(), make_sampler()
    text, video = make_features()
    text_keys, video_keys = keys_of(QUERIES[:5]), keys_of(VIDEOS[:4])
    positional = score(text, video, neck, sampler, 4)
    keyed = score(
        text,
        video,
        neck,
        sampler,
        4,
        text_keys=text_keys,
        video_keys=video_keys)
    reseeded = score(
        text,
        video,
        neck,
        sampler,
        4,
        generator_seed=1,
        text_keys=text_keys,
        video_keys=video_keys)
    assert (positional - keyed).abs().max() > 1e-4
    assert (reseeded - keyed).abs().max() > 1e-4


def test_head_and_retriever_pass_the_keys(build_tiny_retriever):
    model = build_tiny_retriever(num_frames=FRAMES).eval()
    gen = torch.Generator().manual_seed(0)
    text, video = torch.randn(
        3, 32, generator=gen), torch.randn(
            4, FRAMES, 32, generator=gen)
    text_keys, video_keys = keys_of(QUERIES[:3]), keys_of(VIDEOS[:4])
    both = model.score_all_pairs(
        text, video, seed=2, text_keys=text_keys, video_keys=video_keys)
    direct = score_all_pairs(
        text,
        video,
        model.neck,
        model.head.sampler,
        model.head.num_trials,
        torch.Generator().manual_seed(2),
        text_keys=text_keys,
        video_keys=video_keys)
    torch.testing.assert_close(both, direct, rtol=0, atol=0)
    one = model.head.predict_scores(
        text[2:],
        video[1:2],
        model.neck,
        seed=2,
        text_keys=text_keys[2:],
        video_keys=video_keys[1:2])
    torch.testing.assert_close(one[0, 0], both[2, 1], rtol=0, atol=1e-6)


@pytest.mark.parametrize('kwargs,message', [
    (dict(text_keys=torch.arange(5)), 'go together'),
    (dict(text_keys=torch.arange(5), video_keys=torch.arange(3)),
     r'video_keys must be an int64 tensor of shape \(4,\)'),
    (dict(text_keys=torch.arange(5.0),
          video_keys=torch.arange(4)), 'text_keys must be an int64'),
])
def test_bad_keys_are_named(kwargs, message):
    text, video = make_features()
    with pytest.raises(ValueError, match=message):
        score(text, video, make_neck(), make_sampler(), 2, **kwargs)


def test_head_rejects_keys_for_only_one_side():
    head = TMASSHead(
        sampler=dict(
            type='StochasticTextSampler',
            radius=dict(type='UnlearnableRadius', embed_dim=DIM)))
    text, video = make_features()
    with pytest.raises(ValueError, match='go together'):
        head.predict_scores(
            text, video, make_neck(), video_keys=torch.arange(4))
