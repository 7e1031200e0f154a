"""Small config adjustments shared by tools/train.py and tools/test.py."""
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction

from .trusted_checkpoints import trust_run_checkpoints  # noqa: F401


def enable_amp(cfg) -> None:
    """Switch the optimiser wrapper to fp16 ``AmpOptimWrapper``.

    MMEngine's AMP wrapper refuses CPUs, so without CUDA this stops with a
    clear message rather than silently training in fp32.
    """
    if not torch.cuda.is_available():
        raise SystemExit(
            '--amp needs a CUDA GPU: MMEngine\'s AmpOptimWrapper does not run '
            'on CPUs. Train without --amp on this machine.')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def add_runner_args(parser) -> None:
    """Arguments ``tools/train.py`` and ``tools/test.py`` share."""
    parser.add_argument(
        '--work-dir',
        help='where logs, checkpoints and '
        'metrics go (default: ./work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. '
        'train_dataloader.batch_size=16')
    parser.add_argument(
        '--launcher',
        default='none',
        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_run_config(args) -> Config:
    """The config of ``args.config`` with the shared arguments applied."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs',
        osp.splitext(osp.basename(args.config))[0])
    return cfg
