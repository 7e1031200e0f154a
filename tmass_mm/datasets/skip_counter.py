"""Counting training samples whose video could not be read.

``LoadVideoFrames(on_error='skip')`` warns once per file (per process) and
returns ``None``; in training ``BaseRetrievalDataset.prepare_data`` then
counts the sample in the dataset's ``SkipCounter`` and MMEngine draws
another sample. The counter lives in shared memory, so increments made in
dataloader workers reach the main process, where
``tmass_mm.engine.ReportSkippedVideosHook`` logs and resets it after every
training epoch.
"""
import torch
from torch.utils.data import get_worker_info


class SkipCounter:
    """A counter shared by the main process and its dataloader workers.

    Each worker increments its own slot of a shared-memory tensor, so no
    lock is needed and no increment is lost. Works with the ``fork`` and
    ``spawn`` start methods (torch shares the storage in both).

    Args:
        num_slots (int): slots for worker ids (``id % num_slots``).
    """

    def __init__(self, num_slots: int = 256):
        self._slots = torch.zeros(num_slots, dtype=torch.int64)
        self._slots.share_memory_()

    def increment(self) -> None:
        """Count one skipped sample in the calling process's slot."""
        worker = get_worker_info()
        slot = 0 if worker is None else worker.id % len(self._slots)
        self._slots[slot] += 1

    def pop(self) -> int:
        """Return the total since the last ``pop`` and reset to zero."""
        total = int(self._slots.sum())
        self._slots.zero_()
        return total

    def __deepcopy__(self, memo: dict) -> 'SkipCounter':
        # A plain deepcopy would clone into private memory, where workers'
        # increments would never be seen; keep the copy shared instead.
        counter = SkipCounter(len(self._slots))
        counter._slots += self._slots
        return counter
