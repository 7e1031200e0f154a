"""Text-video retrieval metric over T-MASS scores of all pairs."""
import logging
from typing import Dict, Optional, Sequence

from mmengine import dist
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from tmass_mm.registry import METRICS
from ..retrieval_evaluation import SETTING_NAMES, RetrievalEvaluation, Scorer
from .dump_embeddings import DumpRetrievalEmbeddings
from .gallery_samples import gather_embeddings, sample_record

DEFAULTS = RetrievalEvaluation()


@METRICS.register_module()
class RetrievalMetric(BaseMetric):
    """R@1/5/10/50, MdR and MnR, text→video and video→text
    (docs/method.md §6–7).

    ``process`` keeps one record per video sample (its frame features, its
    captions' features and their global ids), so MMEngine can drop the
    distributed sampler's padding. ``evaluate`` then runs the evaluation
    chain, :class:`RetrievalEvaluation`, on the whole gallery: every
    caption scored against every video with the model's scorer (the videos
    split among ranks), post-processed and ranked against ground-truth ids.

    The scorer is the retriever's ``score_all_pairs``; the retrieval loops
    (``RetrievalValLoop``/``RetrievalTestLoop``) attach it before evaluation.

    Args:
        protocol, post_process, querybank, post_kwargs, seed,
        videos_per_block: the settings of :class:`RetrievalEvaluation`,
            with its defaults (also readable as attributes, e.g.
            ``metric.protocol``).
        dump_embeddings (str, optional): deprecated; add
            ``dict(type='DumpRetrievalEmbeddings', out_file_path=FILE)`` to
            the evaluator instead (this argument does just that).
    """

    default_prefix = 'retrieval'

    def __init__(self,
                 protocol: str = DEFAULTS.protocol,
                 post_process: str = DEFAULTS.post_process,
                 querybank: Optional[str] = DEFAULTS.querybank,
                 post_kwargs: Optional[dict] = DEFAULTS.post_kwargs,
                 seed: int = DEFAULTS.seed,
                 videos_per_block: int = DEFAULTS.videos_per_block,
                 dump_embeddings: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.evaluation = RetrievalEvaluation(protocol, post_process,
                                              querybank, post_kwargs, seed,
                                              videos_per_block)
        self.scorer: Optional[Scorer] = None
        self.legacy_dump = None
        if dump_embeddings:
            print_log(
                'RetrievalMetric(dump_embeddings=...) is deprecated: add '
                "dict(type='DumpRetrievalEmbeddings', out_file_path=...) to "
                'the evaluator',
                logger='current',
                level=logging.WARNING)
            self.legacy_dump = DumpRetrievalEmbeddings(dump_embeddings,
                                                       collect_device)

    def __getattr__(self, name: str):
        """The evaluation settings read as attributes (``metric.seed``)."""
        evaluation = self.__dict__.get('evaluation')
        if evaluation is not None and name in SETTING_NAMES:
            return getattr(evaluation, name)
        raise AttributeError(
            f'{type(self).__name__!r} object has no attribute {name!r}')

    def process(self, data_batch, data_samples: Sequence) -> None:
        self.results.extend(sample_record(s) for s in data_samples)
        if self.legacy_dump is not None:
            self.legacy_dump.process(data_batch, data_samples)

    def evaluate(self, size: int) -> dict:
        """Gather the records of all ranks on every rank, then score them
        together (the videos split among ranks) and rank."""
        if self.scorer is None:
            raise RuntimeError(
                'RetrievalMetric has no scorer: run it with '
                "val_cfg=dict(type='RetrievalValLoop') / "
                "test_cfg=dict(type='RetrievalTestLoop'), or set "
                '`metric.scorer = model.score_all_pairs`')
        if self.legacy_dump is not None:
            self.legacy_dump.evaluate(size)
        results = dist.collect_results(self.results, size, self.collect_device)
        shared = [results]
        dist.broadcast_object_list(shared)  # in place, from rank 0
        self.results.clear()
        metrics = self.compute_metrics(shared[0])
        return {
            f'{self.prefix}/{name}': value
            for name, value in metrics.items()
        }

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``{'t2v/R1': ..., 'v2t/MnR': ...}`` from all samples' records."""
        metrics, _ = self.evaluation.run(self.scorer,
                                         gather_embeddings(results))
        return {
            f'{direction}/{name}': value
            for direction, values in metrics.items()
            for name, value in values.items()
        }
