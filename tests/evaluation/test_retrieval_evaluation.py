"""``RetrievalEvaluation``, the one chain both the metric and the
cached-embedding tools run, and the settings it reads from configs."""
import dataclasses

import pytest
import torch
from mmengine.config import Config
from retrieval_samples import mean_frame_scorer, planted_samples

from tmass_mm.evaluation import (RetrievalEvaluation, RetrievalMetric,
                                 evaluator_settings, gather_embeddings,
                                 metrics_from_scores)


@pytest.fixture
def gallery():
    return gather_embeddings(planted_samples((2, 1, 3, 1, 2), seed=3))


def test_run_is_scores_then_post_processing_then_metrics(gallery):
    chain = RetrievalEvaluation(
        post_process='dsl', post_kwargs=dict(temperature=3.0))
    metrics, sims = chain.run(mean_frame_scorer, gallery)
    expected_sims = mean_frame_scorer(gallery['text_embeds'],
                                      gallery['video_embeds'], None, 0)
    torch.testing.assert_close(sims, expected_sims)
    assert metrics == metrics_from_scores(
        expected_sims, gallery['text_to_video'], 'dsl', temperature=3.0)
    # the temperature did reach the post-processing
    assert metrics != metrics_from_scores(expected_sims,
                                          gallery['text_to_video'], 'dsl')


def test_querybank_file_or_tensor(gallery, tmp_path):
    bank = torch.randn(7, 8, generator=torch.Generator().manual_seed(1))
    torch.save(dict(text_embeds=bank), tmp_path / 'bank.pth')
    from_file, _ = RetrievalEvaluation(
        post_process='qbnorm',
        querybank=str(tmp_path / 'bank.pth'),
        post_kwargs=dict(beta=5.0)).run(mean_frame_scorer, gallery)
    from_tensor, sims = RetrievalEvaluation(
        post_process='qbnorm', querybank=bank,
        post_kwargs=dict(beta=5.0)).run(mean_frame_scorer, gallery)
    bank_sims = mean_frame_scorer(bank, gallery['video_embeds'], None, 0)
    assert from_file == from_tensor == metrics_from_scores(
        sims, gallery['text_to_video'], 'qbnorm', bank_sims, beta=5.0)


def test_querybank_errors_name_the_file(gallery, tmp_path):
    torch.save(dict(text_embeds=torch.randn(4, 5)), tmp_path / 'bank.pth')
    chain = RetrievalEvaluation(
        post_process='qbnorm', querybank=str(tmp_path / 'bank.pth'))
    with pytest.raises(ValueError, match=r'bank\.pth: text_embeds \(4, 5\)'):
        chain.run(mean_frame_scorer, gallery)
    missing = RetrievalEvaluation(
        post_process='qbnorm', querybank=str(tmp_path / 'none.pth'))
    with pytest.raises(FileNotFoundError, match='none.pth does not exist'):
        missing.run(mean_frame_scorer, gallery)


def test_settings_are_checked_when_built():
    with pytest.raises(ValueError, match="unknown protocol 'leaky'"):
        RetrievalEvaluation(protocol='leaky')
    with pytest.raises(ValueError, match='needs a querybank'):
        RetrievalEvaluation(post_process='qbnorm')
    with pytest.raises(ValueError, match='videos_per_block'):
        RetrievalEvaluation(videos_per_block=0)
    with pytest.raises(ValueError, match='needs text_to_video'):
        RetrievalEvaluation(protocol='official').scores(
            mean_frame_scorer, torch.randn(2, 4), torch.randn(3, 2, 4))


def test_fewer_than_two_videos(gallery):
    one = dict(
        text_embeds=gallery['text_embeds'][:2],
        video_embeds=gallery['video_embeds'][:1],
        text_to_video=torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match='at least 2 videos'):
        RetrievalEvaluation().run(mean_frame_scorer, one)


def test_metric_defaults_are_the_chain_defaults():
    chain = dataclasses.asdict(RetrievalEvaluation())
    metric = RetrievalMetric()
    assert {k: getattr(metric, k) for k in chain} == chain
    assert evaluator_settings(Config({})) == chain


@pytest.mark.parametrize('form', ['dict', 'list', 'evaluator'])
def test_evaluator_settings_from_configs(form):
    metric = dict(
        type='tmass_mm.RetrievalMetric',
        protocol='official',
        seed=3,
        post_process='dsl',
        post_kwargs=dict(temperature=2.0))
    dump = dict(type='DumpRetrievalEmbeddings', out_file_path='e.pth')
    test_evaluator = dict(
        dict=metric,
        list=[dump, metric],
        evaluator=dict(type='Evaluator', metrics=[dump, metric]))[form]
    cfg = Config(
        dict(
            test_evaluator=test_evaluator,
            val_evaluator=dict(type='RetrievalMetric', seed=9)))
    assert evaluator_settings(cfg) == dict(
        dataclasses.asdict(RetrievalEvaluation()),
        protocol='official',
        seed=3,
        post_process='dsl',
        post_kwargs=dict(temperature=2.0))
    # without a test evaluator, the validation one
    cfg = Config(dict(val_evaluator=dict(type='RetrievalMetric', seed=9)))
    assert evaluator_settings(cfg)['seed'] == 9
