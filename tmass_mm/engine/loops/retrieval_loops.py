"""Validation and test loops that give the retrieval metric its scorer.

Retrieval is scored over all pairs once every embedding is in, with the
model's own neck and sampler, so ``RetrievalMetric`` needs the model; the
loops hand it over and otherwise run exactly as MMEngine's. When built,
before any video is decoded, they check that the model takes as many frames
per video as their pipeline samples.
"""
from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop, ValLoop

from tmass_mm.registry import LOOPS
from .frame_count_check import check_frame_counts


def unwrapped(model):
    return model.module if is_model_wrapper(model) else model


def attach_scorer(evaluator, model) -> None:
    """Give every metric with a ``scorer`` slot the model's all-pairs
    scoring."""
    model = unwrapped(model)
    for metric in evaluator.metrics:
        if hasattr(metric, 'scorer'):
            metric.scorer = model.score_all_pairs


@LOOPS.register_module()
class RetrievalValLoop(ValLoop):
    """``ValLoop`` whose retrieval metrics score with the model."""

    def __init__(self, runner, dataloader, evaluator, *args, **kwargs):
        super().__init__(runner, dataloader, evaluator, *args, **kwargs)
        check_frame_counts(
            unwrapped(runner.model), self.dataloader.dataset, 'val')

    def run(self) -> dict:
        attach_scorer(self.evaluator, self.runner.model)
        return super().run()


@LOOPS.register_module()
class RetrievalTestLoop(TestLoop):
    """``TestLoop`` whose retrieval metrics score with the model."""

    def __init__(self, runner, dataloader, evaluator, *args, **kwargs):
        super().__init__(runner, dataloader, evaluator, *args, **kwargs)
        check_frame_counts(
            unwrapped(runner.model), self.dataloader.dataset, 'test')

    def run(self) -> dict:
        attach_scorer(self.evaluator, self.runner.model)
        return super().run()
