"""Reports, after each training epoch, the samples skipped for unreadable
videos (counted by the datasets' ``SkipCounter``)."""
from typing import List

from mmengine.hooks import Hook

from tmass_mm.datasets.skip_counter import SkipCounter
from tmass_mm.registry import HOOKS


def skip_counters(dataset) -> List[SkipCounter]:
    """The ``SkipCounter`` of ``dataset`` and of datasets it wraps."""
    found = []
    counter = getattr(dataset, 'skip_counter', None)
    if isinstance(counter, SkipCounter):
        found.append(counter)
    for inner in getattr(dataset, 'datasets', []):  # ConcatDataset
        found.extend(skip_counters(inner))
    if hasattr(dataset, 'dataset'):  # RepeatDataset, ClassBalancedDataset
        found.extend(skip_counters(dataset.dataset))
    return found


@HOOKS.register_module()
class ReportSkippedVideosHook(Hook):
    """Log how many training samples were skipped for unreadable videos.

    Add ``dict(type='ReportSkippedVideosHook')`` to ``custom_hooks`` when the
    training pipeline uses ``LoadVideoFrames(on_error='skip')`` (the shared
    runtime config does). After each epoch it logs one warning with the
    count (nothing when it is zero) and resets the count.
    """

    priority = 'VERY_LOW'

    def after_train_epoch(self, runner) -> None:
        skipped = sum(
            counter.pop()
            for counter in skip_counters(runner.train_dataloader.dataset))
        if skipped:
            runner.logger.warning(
                f'epoch {runner.epoch + 1}: {skipped} training sample(s) '
                'were skipped because their video could not be read (the '
                'files are named in the warnings above); other samples '
                'were drawn in their place.')
