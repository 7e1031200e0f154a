import math

import pytest
import torch
from torch.nn.functional import layer_norm, softmax

from tmass_mm.models import XPoolNeck


def randomise(module, seed=0):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in module.named_parameters():
            offset = 1.0 if name.startswith('norm_') and 'weight' in name \
                else 0.0
            param.copy_(torch.randn(param.shape, generator=gen) * 0.3 + offset)
    return module


def reference_pool(neck, t, f):
    """SPEC §2 for ONE text ``[D]`` and ONE video ``[F, D]``, written out."""

    def ln(module, x):
        return layer_norm(x, (x.shape[-1], ), module.weight, module.bias,
                          module.eps)

    def lin(module, x):
        return x @ module.weight.T + module.bias

    heads, dim = neck.num_heads, t.shape[-1]
    d = dim // heads
    q = lin(neck.q_proj, ln(neck.norm_input, t))
    k = lin(neck.k_proj, ln(neck.norm_input, f))
    u = lin(neck.v_proj, ln(neck.norm_input, f))
    outs = []
    for h in range(heads):
        sl = slice(h * d, (h + 1) * d)
        a = softmax(k[:, sl] @ q[sl] / math.sqrt(d), dim=0)  # [F]
        outs.append((a[:, None] * u[:, sl]).sum(0))
    x = ln(neck.norm_pooled, lin(neck.out_proj, torch.cat(outs)))
    return ln(neck.norm_output, x + lin(neck.linear, x))


@pytest.mark.parametrize('heads', [1, 4])
def test_all_pairs_match_reference(heads):
    torch.manual_seed(0)
    neck = randomise(XPoolNeck(embed_dim=16, num_heads=heads)).eval()
    text, video = torch.randn(3, 16), torch.randn(5, 6, 16)
    pooled = neck(text, video)
    assert pooled.shape == (5, 3, 16)
    for v in range(5):
        for t in range(3):
            torch.testing.assert_close(
                pooled[v, t],
                reference_pool(neck, text[t], video[v]),
                atol=1e-5,
                rtol=1e-5)


def test_paired_mode_is_the_diagonal():
    torch.manual_seed(1)
    neck = randomise(XPoolNeck(embed_dim=8, num_heads=2)).eval()
    text, video = torch.randn(4, 8), torch.randn(4, 3, 8)
    all_pairs = neck(text, video)
    paired = neck(text, video, all_pairs=False)
    torch.testing.assert_close(paired, all_pairs.diagonal(0, 0, 1).T)


def test_identity_initialisation():
    neck = XPoolNeck(embed_dim=8)
    for name in ('q_proj', 'k_proj', 'v_proj', 'out_proj', 'linear'):
        layer = getattr(neck, name)
        assert torch.equal(layer.weight, torch.eye(8)), name
        assert torch.equal(layer.bias, torch.zeros(8)), name
    # with identity maps and a 1-frame video the pooled vector is
    # LN3(2 * LN2(LN1(f))) = LN(LN(f)) whatever the text
    neck.eval()
    frame = torch.randn(1, 1, 8)
    expected = layer_norm(layer_norm(frame[0, 0], (8, )), (8, ))
    out = neck(torch.randn(2, 8), frame)
    torch.testing.assert_close(out[0, 0], expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out[0, 1], expected, atol=1e-5, rtol=1e-5)


def test_attention_sums_to_one_and_follows_the_text():
    neck = XPoolNeck(embed_dim=8).eval()
    video = torch.zeros(1, 3, 8)
    video[0, 0, 0] = video[0, 1, 1] = video[0, 2, 2] = 5.0
    text = torch.zeros(1, 8)
    text[0, 1] = 5.0
    weights = neck.attention(text, video)
    assert weights.shape == (1, 1, 1, 3)
    torch.testing.assert_close(weights.sum(-1), torch.ones(1, 1, 1))
    assert weights[0, 0, 0].argmax() == 1


def test_heads_must_divide_width():
    with pytest.raises(ValueError, match='divisible'):
        XPoolNeck(embed_dim=10, num_heads=3)
