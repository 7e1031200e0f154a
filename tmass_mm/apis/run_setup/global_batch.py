"""A recipe's global batch, split over the processes of a run.

A contrastive loss takes its negatives from the whole (gathered) batch, so
what defines a recipe is the global batch, not the batch per GPU. A config
that states ``global_batch_size`` gets ``train_dataloader.batch_size`` set
to ``global_batch_size / world size`` at start-up; other configs keep their
per-process batch, and a warning says when the run's global batch differs
from the one the recipe's learning rate was set for.
"""
import logging
import os

from mmengine.logging import print_log

# where each launcher tells a process how many processes the run has
WORLD_SIZE_VARIABLES = dict(
    pytorch='WORLD_SIZE', slurm='SLURM_NTASKS', mpi='OMPI_COMM_WORLD_SIZE')


def launched_world_size(launcher: str) -> int:
    """Number of processes of the run, from the launcher's environment."""
    if launcher == 'none':
        return 1
    variable = WORLD_SIZE_VARIABLES[launcher]
    if variable not in os.environ:
        raise SystemExit(f'--launcher {launcher}: ${variable} is not set; '
                         f'start the run with the {launcher} launcher (e.g. '
                         'tools/dist_train.sh) or use --launcher none.')
    return int(os.environ[variable])


def apply_global_batch_size(cfg, world_size: int) -> None:
    """Derive the per-process batch from ``cfg.global_batch_size`` (if set)
    and warn when the global batch differs from
    ``auto_scale_lr.base_batch_size`` without ``--auto-scale-lr``."""
    global_batch = cfg.get('global_batch_size')
    if global_batch is not None:
        if global_batch % world_size:
            raise SystemExit(
                f'global_batch_size={global_batch} cannot be split evenly '
                f'over {world_size} processes: run on a number of GPUs that '
                f'divides {global_batch}, or set another global batch with '
                '--cfg-options global_batch_size=N.')
        cfg.train_dataloader.batch_size = global_batch // world_size
    actual = world_size * cfg.train_dataloader.batch_size
    scaling = cfg.get('auto_scale_lr') or {}
    base = scaling.get('base_batch_size')
    if base and actual != base and not scaling.get('enable'):
        print_log(
            f'the global batch is {actual} ({world_size} process(es) x '
            f'{cfg.train_dataloader.batch_size}) but the recipe was set for '
            f'{base}: the contrastive loss sees other negatives and the lr '
            'is not scaled. Use the recipe made for your GPU count (e.g. '
            '8xb4 on 8 GPUs), or --auto-scale-lr.',
            logger='current',
            level=logging.WARNING)
