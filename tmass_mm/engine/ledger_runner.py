"""MMEngine's Runner keeping a ledger of the checkpoints it writes.

- Every checkpoint it saves gets its sha256 and training state recorded in
  ``<work_dir>/checkpoint_ledger.json``: resuming unpickles fully only files
  found there (:mod:`tmass_mm.utils.trusted_checkpoints`).
- A validation that completes marks the checkpoints of its training state
  as validated. A run killed during the validation of epoch ``e`` resumes
  from ``epoch_e.pth``, which is not marked: the validation runs again
  before training continues, so epoch ``e`` can still become the best
  checkpoint (docs/reliability.md).
"""
import os.path as osp

from mmengine.dist import broadcast_object_list, is_main_process, master_only
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop, Runner

from tmass_mm.utils.checkpoint_ledger import (find_entry, mark_validated,
                                              record_checkpoint,
                                              sha256_of_file)


def validation_due(loop) -> bool:
    """Whether ``loop`` (a train loop) validates at its current epoch (or
    iteration), as MMEngine's loops decide after each one."""
    if isinstance(loop, EpochBasedTrainLoop):
        done, last = loop.epoch, loop.max_epochs
    else:
        done, last = loop.iter, loop.max_iters
    on_schedule = done % loop.val_interval == 0 or done == last
    return done > 0 and done >= loop.val_begin and on_schedule


class ValidationLedgerHook(Hook):
    """Marks completed validations in the ledger and, after a resume whose
    validation never completed, validates before training continues."""

    priority = 'LOWEST'  # after CheckpointHook has saved and set itself up

    def __init__(self):
        self.validate_first = False

    def before_train(self, runner) -> None:
        if self.validate_first and runner.val_loop is not None \
                and validation_due(runner.train_loop):
            runner.logger.info(
                f'the validation of epoch {runner.epoch} (iteration '
                f'{runner.iter}) did not complete before the run stopped: '
                f'running it now')
            runner.val_loop.run()
        self.validate_first = False

    def after_val(self, runner) -> None:
        if is_main_process():
            mark_validated(runner.work_dir, runner.epoch, runner.iter)


class CheckpointLedgerRunner(Runner):
    """``Runner`` whose checkpoints are recorded in the work dir's ledger
    (see the module docstring); otherwise MMEngine's Runner."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ledger_hook = ValidationLedgerHook()
        self.register_hook(self.ledger_hook)

    @master_only
    def save_checkpoint(self, out_dir, filename, *args, meta=None, **kwargs):
        meta = {} if meta is None else meta  # MMEngine fills epoch, iter
        super().save_checkpoint(out_dir, filename, *args, meta=meta, **kwargs)
        path = osp.join(out_dir, filename)
        if osp.isfile(path):  # a local file
            record_checkpoint(self.work_dir, path, meta['epoch'], meta['iter'])

    def resume(self, filename, *args, **kwargs) -> None:
        super().resume(filename, *args, **kwargs)
        decision = [None]
        if is_main_process():  # one decision, or the ranks would diverge
            entry = find_entry(
                sha256_of_file(filename),
                (self.work_dir, osp.dirname(osp.abspath(filename))))
            decision = [not (entry and entry['validated'])]
        broadcast_object_list(decision)
        self.ledger_hook.validate_first = decision[0]
