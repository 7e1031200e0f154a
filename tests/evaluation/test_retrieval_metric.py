import pytest
import torch
from retrieval_samples import mean_frame_scorer, planted_samples, video_sample

from tmass_mm.evaluation import (RetrievalMetric, metrics_from_scores,
                                 retrieval_evaluation)
from tmass_mm.evaluation.retrieval_scores import score_in_video_blocks


def run_metric(samples, size=None, **kwargs):
    metric = RetrievalMetric(**kwargs)
    metric.scorer = mean_frame_scorer
    metric.process(None, samples)
    return metric.evaluate(size or len(samples))


def direct_metrics(samples, post_process='none'):
    samples = sorted(samples, key=lambda s: s['video_index'])
    text = torch.cat([s['text_embeds'] for s in samples])
    ids = [i for s in samples for i in s['text_indices']]
    order = torch.argsort(torch.tensor(ids))
    t2v = torch.tensor(
        [s['video_index'] for s in samples for _ in s['text_indices']])[order]
    video = torch.stack([s['video_embeds'] for s in samples])
    sims = mean_frame_scorer(text[order], video, None, 0)
    return metrics_from_scores(sims, t2v, post_process)


def test_multi_caption_ranks_by_hand():
    # 2 videos, 3 captions; scores chosen so the ranks are known:
    # caption 0 (video 0) ranks video 0 second, captions 1, 2 (video 1)
    # rank video 1 first and second.
    video = torch.eye(4)[:2, None, :].repeat(1, 2, 1)  # v0 = e0, v1 = e1
    texts = torch.tensor([
        [0.5, 1.0, 0, 0],  # closer to v1
        [0.0, 1.0, 0, 0],  # v1
        [1.0, 0.2, 0, 0]
    ])  # closer to v0
    samples = [
        video_sample(0, [0], texts[:1], video[0]),
        video_sample(1, [1, 2], texts[1:], video[1])
    ]
    metrics = run_metric(samples)
    assert metrics['retrieval/t2v/R1'] == pytest.approx(100 / 3)
    assert metrics['retrieval/t2v/MnR'] == pytest.approx(5 / 3)
    # v2t: v0's best own caption (0: 0.447) loses to v1's best caption on v0
    # (caption 2: 0.98) -> rank 2; v1's own caption 1 scores 1.0 -> rank 1
    assert metrics['retrieval/v2t/R1'] == pytest.approx(50.0)
    assert metrics['retrieval/v2t/MdR'] == pytest.approx(1.5)


def test_order_of_results_does_not_matter():
    samples = planted_samples()
    forward = run_metric(samples)
    backward = run_metric(samples[::-1])
    assert forward == backward
    expected = direct_metrics(samples)
    assert forward['retrieval/t2v/R5'] == expected['t2v']['R5']
    assert forward['retrieval/v2t/MnR'] == expected['v2t']['MnR']


def test_distributed_padding_is_dropped():
    samples = planted_samples((1, 1, 1, 1, 1), seed=1)
    padded = samples + samples[:1]  # what a DistributedSampler adds
    assert run_metric(padded, size=5) == run_metric(samples)


def test_duplicate_ids_are_an_error():
    samples = planted_samples((1, 1))
    samples[1]['video_index'] = 0
    with pytest.raises(ValueError, match='video indices'):
        run_metric(samples)


def test_dsl_option_matches_functional():
    samples = planted_samples((2, 2, 2, 2), seed=2)
    metrics = run_metric(samples, post_process='dsl')
    expected = direct_metrics(samples, 'dsl')
    assert metrics['retrieval/t2v/MnR'] == pytest.approx(
        expected['t2v']['MnR'])
    assert metrics['retrieval/v2t/MnR'] == pytest.approx(
        expected['v2t']['MnR'])


def test_official_protocol_pools_on_first_caption_and_warns(monkeypatch):
    seen, logged = {}, []
    monkeypatch.setattr(retrieval_evaluation, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))

    def recording_scorer(text, video, pool_text_index, seed, offset):
        seen['pool'] = pool_text_index
        return mean_frame_scorer(text, video, None, seed)

    metric = RetrievalMetric(protocol='official')
    metric.scorer = recording_scorer
    metric.process(None, planted_samples((2, 1, 3)))
    metric.evaluate(3)
    assert seen['pool'].tolist() == [0, 2, 3]
    assert any('ground-truth caption' in msg for msg in logged)


def test_video_blocks_give_the_same_scores_and_offsets():
    calls = []

    def scorer(text, video, pool, seed, offset):
        calls.append((seed, offset))
        return mean_frame_scorer(text, video, pool, seed)

    text, video = torch.randn(7, 4), torch.randn(5, 2, 4)
    blocks = score_in_video_blocks(
        scorer, text, video, None, seed=10, block_size=2)
    torch.testing.assert_close(blocks, mean_frame_scorer(text, video, None, 0))
    assert calls == [(10, 0), (10, 2), (10, 4)]


def test_errors_are_clear():
    with pytest.raises(ValueError, match="unknown protocol 'leaky'"):
        RetrievalMetric(protocol='leaky')
    with pytest.raises(ValueError, match='querybank'):
        RetrievalMetric(post_process='qbnorm')
    metric = RetrievalMetric()
    with pytest.raises(RuntimeError, match='RetrievalTestLoop'):
        metric.evaluate(1)
    metric.scorer = mean_frame_scorer
    with pytest.raises(ValueError, match='empty'):
        metric.evaluate(0)


def test_one_video_gallery_is_an_error():
    """With one video every caption finds it first: R@1 would be 100."""
    with pytest.raises(ValueError, match='at least 2 videos, got 1'):
        run_metric(planted_samples((3, )))


def test_settings_read_as_attributes():
    metric = RetrievalMetric(protocol='official', seed=4)
    assert (metric.protocol, metric.seed, metric.post_kwargs) == \
        ('official', 4, {})
    with pytest.raises(AttributeError, match='no attribute'):
        metric.unknown_setting
