"""``DumpRetrievalEmbeddings`` writes the EMBEDDINGS file the tools read,
and ``tools/test.py --dump-embeddings`` adds it to any evaluator config."""
import pytest
import torch
from mmengine.evaluator import Evaluator
from retrieval_samples import mean_frame_scorer, planted_samples
from tiny_models import TINY_EMBED_DIM

from tmass_mm.apis import evaluate_embeddings
from tmass_mm.evaluation import (DumpRetrievalEmbeddings, RetrievalMetric,
                                 load_embeddings, with_embedding_dump)


def check_dumped(path):
    dumped = torch.load(path, weights_only=True)
    assert dumped['text_embeds'].shape == (3, 8)
    assert dumped['video_embeds'].shape == (2, 3, 8)
    assert dumped['text_to_video'].tolist() == [0, 0, 1]
    assert dumped['texts'] == ['t0', 't1', 't2']
    assert dumped['video_ids'] == ['v0', 'v1']
    return dumped


def test_dump_embeddings(tmp_path):
    path = tmp_path / 'embeds.pth'
    samples = planted_samples((2, 1))
    metric = DumpRetrievalEmbeddings(str(path))
    metric.process(None, samples[::-1])
    assert metric.evaluate(len(samples)) == {}
    dumped = check_dumped(path)
    torch.testing.assert_close(dumped['text_embeds'][2],
                               samples[1]['text_embeds'][0])
    # what the cached-embedding tools read back
    loaded = load_embeddings(str(path))
    torch.testing.assert_close(loaded['video_embeds'], dumped['video_embeds'])


def test_next_to_the_metric_in_one_evaluator(tmp_path):
    """The dump adds no metric and the metric's numbers are unchanged."""
    path = tmp_path / 'embeds.pth'
    samples = planted_samples((2, 1))
    evaluator = Evaluator(
        with_embedding_dump(dict(type='tmass_mm.RetrievalMetric'), str(path)))
    evaluator.metrics[0].scorer = mean_frame_scorer
    evaluator.process(samples)
    together = evaluator.evaluate(len(samples))
    alone = RetrievalMetric()
    alone.scorer = mean_frame_scorer
    alone.process(None, samples)
    assert together == alone.evaluate(len(samples))
    check_dumped(path)


def test_deprecated_metric_argument_still_dumps(tmp_path):
    path = tmp_path / 'embeds.pth'
    samples = planted_samples((2, 1))
    metric = RetrievalMetric(dump_embeddings=str(path))
    metric.scorer = mean_frame_scorer
    metric.process(None, samples)
    assert 'retrieval/t2v/R1' in metric.evaluate(len(samples))
    check_dumped(path)


@pytest.mark.parametrize('evaluator', [
    dict(type='RetrievalMetric'),
    [dict(type='RetrievalMetric')],
    dict(type='Evaluator', metrics=dict(type='RetrievalMetric')),
])
def test_with_embedding_dump_config_forms(evaluator):
    dump = dict(type='tmass_mm.DumpRetrievalEmbeddings', out_file_path='e.pth')
    result = with_embedding_dump(evaluator, 'e.pth')
    metrics = result['metrics'] if isinstance(result, dict) else result
    assert metrics == [dict(type='RetrievalMetric'), dump]
    if isinstance(result, dict):
        assert result['type'] == 'Evaluator'


def test_empty_gallery_is_an_error(tmp_path):
    metric = DumpRetrievalEmbeddings(str(tmp_path / 'e.pth'))
    with pytest.raises(ValueError, match='evaluation set is empty'):
        metric.evaluate(0)


@pytest.mark.parametrize('protocol', ['tmass', 'official'])
def test_cached_embeddings_give_the_metric_numbers(build_tiny_retriever,
                                                   tmp_path, protocol):
    """``tools/test.py --dump-embeddings`` then ``eval_embeddings.py``: the
    dumped file, scored through the apis, gives the metric's numbers."""
    model = build_tiny_retriever(num_frames=3).eval()
    settings = dict(protocol=protocol, post_process='dsl', seed=3)
    path = tmp_path / 'embeds.pth'
    samples = planted_samples((2, 1, 3, 1), dim=TINY_EMBED_DIM)
    evaluator = Evaluator(
        with_embedding_dump(
            dict(type='tmass_mm.RetrievalMetric', **settings), str(path)))
    evaluator.metrics[0].scorer = model.score_all_pairs
    evaluator.process(samples)
    online = evaluator.evaluate(len(samples))
    cached, _ = evaluate_embeddings(model, load_embeddings(str(path)),
                                    **settings)
    assert online == {
        f'retrieval/{direction}/{name}': value
        for direction, values in cached.items()
        for name, value in values.items()
    }
    # not a constant: the planted captions find their videos
    assert online['retrieval/t2v/R1'] > 0
