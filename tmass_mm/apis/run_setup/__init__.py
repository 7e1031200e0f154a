"""How tools/train.py and tools/test.py turn a command line into a Runner
config: the shared arguments, AMP, ``--data-root``, a recipe's global batch
size, which checkpoint validation selects, and warnings for overrides that
nothing reads. ``trust_run_checkpoints`` (which checkpoints a run may
unpickle) lives with the checkpoint trust rules in ``tmass_mm.utils`` and is
re-exported here for the tools."""
from tmass_mm.utils.trusted_checkpoints import trust_run_checkpoints
from .checkpoint_selection import (apply_selection_policy,
                                   evaluate_selected_checkpoint,
                                   selected_checkpoint)
from .config_overrides import set_data_root, unread_option_warnings
from .global_batch import apply_global_batch_size, launched_world_size
from .runner_args import (AMP_DTYPES, add_runner_args, enable_amp,
                          load_run_config)

__all__ = [
    'AMP_DTYPES', 'add_runner_args', 'apply_global_batch_size',
    'apply_selection_policy', 'enable_amp', 'launched_world_size',
    'load_run_config', 'selected_checkpoint', 'set_data_root',
    'evaluate_selected_checkpoint', 'trust_run_checkpoints',
    'unread_option_warnings'
]
