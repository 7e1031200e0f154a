"""Hand-worked cases for ranks and retrieval metrics."""
import pytest
import torch

from tmass_mm.evaluation.functional import (rank_metrics, text_to_video_ranks,
                                            video_to_text_ranks)

# Five captions over two videos: captions 0, 1 describe video 0, captions
# 2, 3, 4 describe video 1.
MULTI_SIMS = torch.tensor([
    [0.9, 0.2],
    [0.3, 0.8],
    [0.6, 0.5],
    [0.1, 0.7],
    [0.2, 0.3],
])
MULTI_T2V = torch.tensor([0, 0, 1, 1, 1])


def naive_t2v(sims, t2v):
    ranks = []
    for t in range(sims.shape[0]):
        gt = int(t2v[t])
        rank = 1
        for v in range(sims.shape[1]):
            if v != gt and sims[t, v] >= sims[t, gt]:
                rank += 1
        ranks.append(rank)
    return torch.tensor(ranks)


def naive_v2t(sims, t2v):
    num_texts, num_videos = sims.shape

    def best(v, u):
        return max(
            float(sims[t, v]) for t in range(num_texts) if int(t2v[t]) == u)

    ranks = []
    for v in range(num_videos):
        own = best(v, v)
        ranks.append(1 + sum(
            best(v, u) >= own for u in range(num_videos) if u != v))
    return torch.tensor(ranks)


def test_t2v_three_by_three_ranks_one_two_three():
    sims = torch.tensor([[0.9, 0.1, 0.2], [0.5, 0.4, 0.1], [0.3, 0.2, 0.1]])
    ranks = text_to_video_ranks(sims, torch.tensor([0, 1, 2]))
    assert ranks.tolist() == [1, 2, 3]
    assert ranks.dtype == torch.long


def test_t2v_ties_are_pessimistic():
    sims = torch.tensor([[0.5, 0.5, 0.5], [0.5, 0.5, 0.1], [0.2, 0.2, 0.7]])
    ranks = text_to_video_ranks(sims, torch.tensor([0, 1, 2]))
    assert ranks.tolist() == [3, 2, 1]


def test_t2v_reads_ground_truth_ids_not_the_diagonal():
    sims = torch.tensor([[0.1, 0.9], [0.8, 0.2]])
    assert text_to_video_ranks(sims, torch.tensor([1, 0])).tolist() == [1, 1]
    assert text_to_video_ranks(sims, torch.tensor([0, 1])).tolist() == [2, 2]


def test_multi_caption_t2v_by_hand():
    # Caption 1 (video 0) scores 0.3 vs 0.8; caption 2 (video 1) 0.5 vs 0.6.
    ranks = text_to_video_ranks(MULTI_SIMS, MULTI_T2V)
    assert ranks.tolist() == [1, 2, 2, 1, 1]


def test_multi_caption_v2t_by_hand():
    # b(0, 0) = max(0.9, 0.3) = 0.9 > b(0, 1) = max(0.6, 0.1, 0.2) = 0.6
    # b(1, 1) = max(0.5, 0.7, 0.3) = 0.7 < b(1, 0) = max(0.2, 0.8) = 0.8
    ranks = video_to_text_ranks(MULTI_SIMS, MULTI_T2V)
    assert ranks.tolist() == [1, 2]


def test_multi_caption_v2t_ranks_videos_not_captions():
    # Video 0 loses to both other videos' best captions, but not to each
    # of their captions separately: rank 3 of 3, not 5 of 6 captions.
    sims = torch.tensor([
        [0.1, 0.0, 0.0],  # video 0
        [0.5, 0.0, 0.0],  # video 1
        [0.4, 0.0, 0.0],  # video 1
        [0.3, 0.0, 0.0],  # video 2
        [0.2, 0.0, 0.0],  # video 2
        [0.6, 0.0, 0.0],  # video 2
    ])
    t2v = torch.tensor([0, 1, 1, 2, 2, 2])
    ranks = video_to_text_ranks(sims, t2v)
    assert ranks[0] == 3
    assert ranks.max() <= 3


def test_v2t_ties_are_pessimistic():
    sims = torch.tensor([[0.7, 0.4], [0.7, 0.4]])
    # b(0, 1) = 0.7 = b(0, 0); b(1, 0) = 0.4 = b(1, 1).
    assert video_to_text_ranks(sims, torch.tensor([0, 1])).tolist() == [2, 2]


def test_v2t_video_without_caption_is_named():
    sims = torch.rand(3, 4)
    with pytest.raises(ValueError, match='video 1 has no caption'):
        video_to_text_ranks(sims, torch.tensor([0, 2, 3]))


@pytest.mark.parametrize('fn', [text_to_video_ranks, video_to_text_ranks])
def test_shape_mismatch_names_both_shapes(fn):
    with pytest.raises(ValueError, match=r'\(3,\).*\(4, 2\)'):
        fn(torch.rand(4, 2), torch.tensor([0, 1, 0]))


@pytest.mark.parametrize('fn', [text_to_video_ranks, video_to_text_ranks])
def test_out_of_range_video_id_rejected(fn):
    with pytest.raises(ValueError, match=r'\[0, 2\)'):
        fn(torch.rand(2, 2), torch.tensor([0, 2]))


def test_shuffled_text_order_gives_same_metrics():
    generator = torch.Generator().manual_seed(0)
    sims = torch.randn(40, 8, generator=generator)
    t2v = torch.arange(40) % 8
    perm = torch.randperm(40, generator=generator)
    t2v_ranks = text_to_video_ranks(sims, t2v)
    shuffled = text_to_video_ranks(sims[perm], t2v[perm])
    assert torch.equal(shuffled, t2v_ranks[perm])
    assert rank_metrics(shuffled) == rank_metrics(t2v_ranks)
    assert torch.equal(
        video_to_text_ranks(sims[perm], t2v[perm]),
        video_to_text_ranks(sims, t2v))


@pytest.mark.parametrize(
    'dtype', [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_against_naive_loops_any_dtype_and_chunking(dtype):
    generator = torch.Generator().manual_seed(1)
    # Rounded scores make ties frequent.
    sims = (torch.randn(23, 6, generator=generator) * 4).round().to(dtype)
    t2v = torch.cat(
        [torch.arange(6),
         torch.randint(0, 6, (17, ), generator=generator)])
    expected_t2v = naive_t2v(sims.double(), t2v)
    expected_v2t = naive_v2t(sims.double(), t2v)
    for chunk_size in (1, 5, 1024):
        assert torch.equal(
            text_to_video_ranks(sims, t2v, chunk_size=chunk_size),
            expected_t2v)
        assert torch.equal(
            video_to_text_ranks(sims, t2v, chunk_size=chunk_size),
            expected_v2t)


def test_constant_scores_give_worst_ranks():
    sims = torch.zeros(6, 3)
    t2v = torch.tensor([0, 1, 2, 0, 1, 2])
    assert text_to_video_ranks(sims, t2v).tolist() == [3] * 6
    assert video_to_text_ranks(sims, t2v).tolist() == [3] * 3


def test_nan_scores_rejected():
    sims = torch.tensor([[1.0, float('nan')], [0.0, 1.0]])
    with pytest.raises(ValueError, match='NaN'):
        text_to_video_ranks(sims, torch.tensor([0, 1]))


def test_rank_metrics_from_known_ranks():
    ranks = torch.tensor([1, 2, 6, 11, 51, 3])
    metrics = rank_metrics(ranks)
    assert metrics['R1'] == pytest.approx(100 / 6)
    assert metrics['R5'] == pytest.approx(300 / 6)
    assert metrics['R10'] == pytest.approx(400 / 6)
    assert metrics['R50'] == pytest.approx(500 / 6)
    # Sorted: 1 2 3 6 11 51 -> mean of the middle two, (3 + 6) / 2.
    assert metrics['MdR'] == 4.5
    assert metrics['MnR'] == pytest.approx(74 / 6)
    assert set(metrics) == {'R1', 'R5', 'R10', 'R50', 'MdR', 'MnR'}
    assert all(type(value) is float for value in metrics.values())


def test_rank_metrics_odd_count_median():
    assert rank_metrics(torch.tensor([7, 1, 3]))['MdR'] == 3.0


@pytest.mark.parametrize('ranks', [
    torch.tensor([], dtype=torch.long),
    torch.tensor([[1, 2]]),
    torch.tensor([0, 1])
])
def test_rank_metrics_rejects_bad_input(ranks):
    with pytest.raises(ValueError):
        rank_metrics(ranks)
