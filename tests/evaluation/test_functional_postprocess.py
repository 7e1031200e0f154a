"""Hand-worked cases for dual softmax and querybank normalisation."""
import math

import pytest
import torch

from tmass_mm.evaluation.functional import (dual_softmax, querybank_normalise,
                                            text_to_video_ranks)

# sigmoid(1) = e^a / (e^a + e^(a-1)), the softmax weight of the larger of
# two scores one apart.
SIG1 = 1 / (1 + math.exp(-1))


def test_dual_softmax_two_by_two_over_texts():
    sims = torch.tensor([[2.0, 1.0], [1.0, 0.0]])
    # Each column is a softmax over texts of scores one apart.
    expected = torch.tensor([[2.0 * SIG1, 1.0 * SIG1], [1.0 * (1 - SIG1),
                                                        0.0]])
    torch.testing.assert_close(
        dual_softmax(sims, dim=0, temperature=1.0), expected)


def test_dual_softmax_two_by_two_over_videos():
    sims = torch.tensor([[2.0, 1.0], [1.0, 0.0]])
    expected = torch.tensor([[2.0 * SIG1, 1.0 * (1 - SIG1)], [1.0 * SIG1,
                                                              0.0]])
    torch.testing.assert_close(
        dual_softmax(sims, dim=1, temperature=1.0), expected)


def test_dual_softmax_fixes_a_text_stolen_by_a_hub_video():
    # Video 0 scores highest for both texts; text 1 belongs to video 1.
    sims = torch.tensor([[0.90, 0.70], [0.85, 0.80]])
    t2v = torch.tensor([0, 1])
    assert text_to_video_ranks(sims, t2v).tolist() == [1, 2]
    # Over texts, video 0's mass goes to text 0 (weight ~0.993 vs ~0.007)
    # and video 1's to text 1, so text 1 now prefers video 1:
    # 0.85 * 0.0067 < 0.80 * 0.99995.
    rescored = dual_softmax(sims, dim=0)
    assert text_to_video_ranks(rescored, t2v).tolist() == [1, 1]


def test_dual_softmax_is_stable_for_large_scores():
    sims = torch.tensor([[50.0, -50.0], [49.0, 40.0]], dtype=torch.float16)
    rescored = dual_softmax(sims, dim=0)
    assert rescored.dtype == torch.float32
    assert torch.isfinite(rescored).all()
    torch.testing.assert_close(rescored[0, 0], torch.tensor(50.0))


def test_dual_softmax_rejects_bad_dim_and_shape():
    with pytest.raises(ValueError, match='dim'):
        dual_softmax(torch.rand(2, 2), dim=2)
    with pytest.raises(ValueError, match=r'\(2, 2, 2\)'):
        dual_softmax(torch.rand(2, 2, 2), dim=0)


def naive_querybank_normalise(sims, querybank_sims, beta, k):
    """Loop-by-loop dynamic inverted softmax; returns exp-space scores
    for normalised rows and raw scores elsewhere, plus the row flags."""
    num_queries, num_items = querybank_sims.shape
    normaliser = [
        sum(
            math.exp(beta * float(querybank_sims[q, j]))
            for q in range(num_queries)) for j in range(num_items)
    ]
    active = set()
    for q in range(num_queries):
        row = [float(x) for x in querybank_sims[q]]
        order = sorted(range(num_items), key=lambda j: -row[j])
        active.update(order[:k])
    out, normalised = [], []
    for i in range(sims.shape[0]):
        row = [float(x) for x in sims[i]]
        top1 = max(range(num_items), key=lambda j: row[j])
        if top1 in active:
            out.append([
                math.exp(beta * row[j]) / normaliser[j]
                for j in range(num_items)
            ])
            normalised.append(True)
        else:
            out.append(row)
            normalised.append(False)
    return out, normalised


def test_querybank_demotes_a_hub_by_hand():
    # Both querybank queries prefer item 2 (a hub): normalisers with
    # beta = 1 are N = [1 + 1, 1 + 1, 4 + 4] = [2, 2, 8], activation
    # set {2}.
    querybank = torch.tensor([[0.0, 0.0, math.log(4)], [0.0, 0.0,
                                                        math.log(4)]])
    sims = torch.tensor([
        [0.5, 0.2, 0.9],  # top-1 is the hub
        [0.9, 0.1, 0.3]
    ])  # top-1 item 0: not active
    out = querybank_normalise(sims, querybank, beta=1.0, k=1)
    # Row 0 holds log(e^s / N): 0.5 - ln 2, 0.2 - ln 2, 0.9 - ln 8.
    expected_row0 = torch.tensor(
        [0.5 - math.log(2), 0.2 - math.log(2), 0.9 - math.log(8)])
    torch.testing.assert_close(out[0], expected_row0)
    assert out[0].argsort(descending=True).tolist() == [0, 1, 2]
    assert torch.equal(out[1], sims[1])


def test_querybank_rows_outside_activation_set_unchanged():
    querybank = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.2,
                                                0.1]])  # activation set {0}
    sims = torch.tensor([[0.1, 0.7, 0.3], [0.2, 0.3, 0.6], [0.6, 0.5, 0.4]])
    out = querybank_normalise(sims, querybank)
    assert torch.equal(out[:2], sims[:2])
    assert not torch.equal(out[2], sims[2])


def test_querybank_k_widens_activation_set():
    querybank = torch.tensor([[0.9, 0.5, 0.0]])
    sims = torch.tensor([[0.1, 0.7, 0.3]])  # top-1 is item 1
    assert torch.equal(querybank_normalise(sims, querybank, k=1), sims)
    assert not torch.equal(querybank_normalise(sims, querybank, k=2), sims)


def test_querybank_no_overflow_with_large_scores():
    # beta * 100 = 2000: exp overflows even float64. Item 0 is a hub with
    # log N_0 = 2000 + ln 2; log N_1 = ln 2.
    querybank = torch.tensor([[100.0, 0.0], [100.0, 0.0]])
    sims = torch.tensor([[100.0, 99.0]])
    with pytest.raises(OverflowError):
        math.exp(20.0 * 100.0)
    out = querybank_normalise(sims, querybank, beta=20.0)
    assert torch.isfinite(out).all()
    expected = torch.tensor([[-math.log(2), 1980.0 - math.log(2)]])
    torch.testing.assert_close(out, expected, atol=1e-3, rtol=0)


@pytest.mark.parametrize('k', [1, 2])
def test_querybank_matches_naive_loops(k):
    generator = torch.Generator().manual_seed(0)
    sims = torch.rand(9, 5, generator=generator, dtype=torch.float64)
    querybank = torch.rand(12, 5, generator=generator, dtype=torch.float64)
    querybank[:, 3] += 0.3  # a mild hub
    querybank[:, 0] -= 1.0  # never in any querybank top-2
    sims[0, 0] = 2.0  # so row 0 stays unnormalised
    expected, normalised = naive_querybank_normalise(
        sims, querybank, beta=20.0, k=k)
    out = querybank_normalise(sims, querybank, beta=20.0, k=k, chunk_size=5)
    assert any(normalised) and not all(normalised)
    for i, was_normalised in enumerate(normalised):
        row = out[i].exp() if was_normalised else out[i]
        torch.testing.assert_close(
            row, torch.tensor(expected[i], dtype=torch.float64))


def test_querybank_rejects_mismatched_gallery():
    with pytest.raises(ValueError, match=r'\(4, 3\).*\(2, 5\)'):
        querybank_normalise(torch.rand(2, 5), torch.rand(4, 3))
    with pytest.raises(ValueError, match='k must'):
        querybank_normalise(torch.rand(2, 5), torch.rand(4, 5), k=6)
