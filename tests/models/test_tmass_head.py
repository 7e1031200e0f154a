import math

import pytest
import torch

from tmass_mm.models import TMASSHead, XPoolNeck


def cosine(a, b):
    return float(a @ b / (a.norm() * b.norm()))


def symmetric_ce(sims, scale):
    """Hand-written: mean of row-wise and column-wise CE, target i = i."""
    n = len(sims)

    def ce(rows):
        total = 0.0
        for i, row in enumerate(rows):
            logsum = math.log(sum(math.exp(scale * s) for s in row))
            total += logsum - scale * row[i]
        return total / n

    columns = [[sims[i][j] for i in range(n)] for j in range(n)]
    return (ce(sims) + ce(columns)) / 2


def build(support_weight=0.8,
          text_loss='stochastic',
          kl_weight=0.0,
          dim=6,
          frames=3):
    torch.manual_seed(0)
    head = TMASSHead(
        sampler=dict(
            type='StochasticTextSampler',
            radius=dict(
                type='SimilarityRadius', num_frames=frames, embed_dim=dim)),
        support_weight=support_weight,
        text_loss=text_loss,
        kl_weight=kl_weight)
    with torch.no_grad():
        head.sampler.radius_module.linear.weight.normal_(std=0.5)
        head.sampler.radius_module.linear.bias.normal_(std=0.5)
    neck = XPoolNeck(embed_dim=dim, dropout=0.0)
    with torch.no_grad():
        for p in neck.parameters():
            p.add_(torch.randn_like(p) * 0.2)
    return head, neck


def test_losses_match_hand_computation(monkeypatch):
    head, neck = build()
    batch, dim = 4, 6
    text, video = torch.randn(batch, dim), torch.randn(batch, 3, dim)
    eps = torch.rand(batch, dim)
    monkeypatch.setattr(head.sampler, 'noise', lambda *a, **k: eps)
    logit_scale = torch.tensor(math.log(20.0))
    losses = head.loss(text, video, neck, logit_scale)

    pooled = neck(text, video).detach()  # [videos, texts, D]
    w = head.sampler.radius_module.linear.weight.detach()
    b = head.sampler.radius_module.linear.bias.detach()
    radius = [
        torch.exp(
            w @ torch.tensor([cosine(text[i], video[i, f])
                              for f in range(3)]) + b) for i in range(batch)
    ]
    sample = [text[i] + eps[i] * radius[i] for i in range(batch)]
    sims = [[cosine(sample[i], pooled[j, i]) for j in range(batch)]
            for i in range(batch)]
    expected = symmetric_ce(sims, 20.0)
    assert losses['loss_stochastic'].item() == pytest.approx(
        expected, rel=1e-5)
    support = []
    for i in range(batch):
        centre = pooled[i].mean(0)
        direction = (centre - text[i]) / (centre - text[i]).norm()
        support.append(text[i] + radius[i] * direction)
    sims = [[cosine(support[i], pooled[j, i]) for j in range(batch)]
            for i in range(batch)]
    assert losses['loss_support'].item() == pytest.approx(
        0.8 * symmetric_ce(sims, 20.0), rel=1e-5)
    assert set(losses) == {'loss_stochastic', 'loss_support'}


def test_point_loss_is_xpool_and_support_off():
    head, neck = build(support_weight=0.0, text_loss='point')
    text, video = torch.randn(3, 6), torch.randn(3, 3, 6)
    losses = head.loss(text, video, neck, torch.tensor(0.0))
    pooled = neck(text, video).detach()
    sims = [[cosine(text[i], pooled[j, i]) for j in range(3)]
            for i in range(3)]
    assert set(losses) == {'loss_point'}
    assert losses['loss_point'].item() == pytest.approx(
        symmetric_ce(sims, 1.0), rel=1e-5)


def test_kl_ablation_term():
    head, neck = build(support_weight=0.0, kl_weight=0.5)
    text, video = torch.randn(3, 6), torch.randn(3, 3, 6)
    losses = head.loss(text, video, neck, torch.tensor(0.0))
    log_r = head.sampler.log_radius(text, video, all_pairs=False).detach()
    kl = 0.5 * (log_r.exp()**2 + text**2 - 1 - 2 * log_r).sum(1).mean()
    assert losses['loss_kl'].item() == pytest.approx(0.5 * kl.item(), rel=1e-5)


def test_gradients_reach_radius_neck_and_temperature():
    head, neck = build()
    text = torch.randn(4, 6, requires_grad=True)
    video = torch.randn(4, 3, 6)
    logit_scale = torch.tensor(2.0, requires_grad=True)
    sum(head.loss(text, video, neck, logit_scale).values()).backward()
    assert head.sampler.radius_module.linear.weight.grad.abs().sum() > 0
    assert neck.q_proj.weight.grad.abs().sum() > 0
    assert logit_scale.grad.abs() > 0 and text.grad.abs().sum() > 0


def test_loss_finite_under_bf16_autocast_with_large_radius():
    head, neck = build()
    with torch.no_grad():
        head.sampler.radius_module.linear.bias.fill_(30.0)
    text, video = torch.randn(4, 6), torch.randn(4, 3, 6)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = head.loss(text, video, neck, torch.tensor(math.log(100)))
    for name, value in losses.items():
        assert torch.isfinite(value), name


def test_unknown_text_loss():
    with pytest.raises(ValueError, match="unknown text_loss 'x'"):
        build(text_loss='x')
