import math

import pytest
import torch

from tmass_mm.models import (SimilarityRadius, StochasticTextSampler,
                             UnlearnableRadius)


def cosine(a, b):
    return float(a @ b / (a.norm() * b.norm()))


def make_sampler(prior='uniform01', std=3e-3, frames=3, dim=5):
    return StochasticTextSampler(
        radius=dict(type='SimilarityRadius', num_frames=frames, embed_dim=dim),
        prior=prior,
        prior_std=std)


def test_similarity_radius_init_is_eye():
    radius = SimilarityRadius(num_frames=3, embed_dim=5)
    assert torch.equal(radius.linear.weight, torch.eye(5, 3))
    assert torch.equal(radius.linear.bias, torch.zeros(5))
    sims = torch.tensor([0.1, -0.2, 0.3])
    torch.testing.assert_close(
        radius(sims), torch.tensor([0.1, -0.2, 0.3, 0.0, 0.0]))


def test_radius_matches_hand_computation_for_all_pairs():
    torch.manual_seed(0)
    sampler = make_sampler()
    with torch.no_grad():
        sampler.radius_module.linear.weight.normal_()
        sampler.radius_module.linear.bias.normal_()
    text, video = torch.randn(2, 5), torch.randn(4, 3, 5)
    radius = sampler.radius(text, video)
    assert radius.shape == (4, 2, 5) and radius.dtype == torch.float32
    w = sampler.radius_module.linear.weight
    b = sampler.radius_module.linear.bias
    for v in range(4):
        for t in range(2):
            sims = torch.tensor(
                [cosine(text[t], video[v, f]) for f in range(3)])
            torch.testing.assert_close(
                radius[v, t], torch.exp(w @ sims + b), atol=1e-5, rtol=1e-5)
    paired = sampler.radius(text, video[:2], all_pairs=False)
    torch.testing.assert_close(paired, radius[[0, 1], [0, 1]])


def test_unlearnable_radius():
    radius = UnlearnableRadius(embed_dim=4, temperature=0.5)
    assert not list(radius.parameters())
    out = radius(torch.tensor([[0.2, 0.4], [-0.2, 0.0]]))
    torch.testing.assert_close(out, torch.tensor([[0.6] * 4, [-0.2] * 4]))


def test_num_frames_mismatch_is_named():
    sampler = make_sampler(frames=12, dim=5)
    with pytest.raises(ValueError, match='num_frames=12.*8 frames'):
        sampler.radius(torch.randn(2, 5), torch.randn(3, 8, 5))


def test_unknown_prior():
    with pytest.raises(ValueError, match="unknown prior 'gauss'"):
        make_sampler(prior='gauss')


def test_uniform_prior_sample_stays_in_the_box():
    sampler = make_sampler()
    text = torch.zeros(1000, 5)
    radius = torch.full((1000, 5), 2.0)
    sample = sampler.sample(text, radius)
    assert sample.min() >= 0 and sample.max() < 2.0
    assert abs(sample.mean().item() - 1.0) < 0.05


def test_normal_prior_std():
    sampler = make_sampler(prior='normal', std=0.1)
    eps = sampler.noise((20000, ))
    assert abs(eps.std().item() - 0.1) < 0.005
    assert abs(eps.mean().item()) < 0.005
    zero = make_sampler(prior='normal', std=0.0)
    assert torch.equal(zero.noise((10, )), torch.zeros(10))


def test_gradient_reaches_the_radius_through_the_sample():
    torch.manual_seed(0)
    sampler = make_sampler()
    text, video = torch.randn(2, 5), torch.randn(2, 3, 5)
    radius = sampler.radius(text, video, all_pairs=False)
    gen = torch.Generator().manual_seed(3)
    sample = sampler.sample(text, radius, generator=gen)
    sample.sum().backward()
    grad = sampler.radius_module.linear.weight.grad
    assert grad is not None and grad.abs().sum() > 0
    # d sum(t + eps * exp(W s + b)) / d b = eps * R, summed over the batch
    eps = torch.rand(radius.shape, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(sampler.radius_module.linear.bias.grad,
                               (eps * radius.detach()).sum(0))


def test_radius_in_bf16_autocast_does_not_overflow():
    sampler = make_sampler(dim=5)
    with torch.no_grad():
        sampler.radius_module.linear.bias.fill_(20.0)  # exp(20) > fp16 max
    with torch.autocast('cpu', dtype=torch.bfloat16):
        radius = sampler.radius(torch.randn(2, 5), torch.randn(2, 3, 5))
    assert radius.dtype == torch.float32
    assert torch.isfinite(radius).all()
    assert radius.min() > math.exp(19)
