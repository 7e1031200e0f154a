"""Validation and test loops that give the retrieval metric its scorer.

Retrieval is scored over all pairs once every embedding is in, with the
model's own neck and sampler, so ``RetrievalMetric`` needs the model; the
loops hand it over and otherwise run exactly as MMEngine's.
"""
from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop, ValLoop

from tmass_mm.registry import LOOPS


def attach_scorer(evaluator, model) -> None:
    """Give every metric with a ``scorer`` slot the model's all-pairs
    scoring."""
    model = model.module if is_model_wrapper(model) else model
    for metric in evaluator.metrics:
        if hasattr(metric, 'scorer'):
            metric.scorer = model.score_all_pairs


@LOOPS.register_module()
class RetrievalValLoop(ValLoop):
    """``ValLoop`` whose retrieval metrics score with the model."""

    def run(self) -> dict:
        attach_scorer(self.evaluator, self.runner.model)
        return super().run()


@LOOPS.register_module()
class RetrievalTestLoop(TestLoop):
    """``TestLoop`` whose retrieval metrics score with the model."""

    def run(self) -> dict:
        attach_scorer(self.evaluator, self.runner.model)
        return super().run()
