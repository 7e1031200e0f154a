"""Arguments and config adjustments shared by tools/train.py and
tools/test.py."""
import logging
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from .config_overrides import set_data_root, unread_option_warnings

AMP_DTYPES = ('float16', 'bfloat16')


def enable_amp(cfg, dtype: str = 'float16') -> None:
    """Switch the optimiser wrapper to ``AmpOptimWrapper`` in ``dtype``.

    float16 uses a dynamic loss scale; bfloat16 has float32's exponent range
    and needs none (a static scale of 1). The model keeps its logits, radius
    exponent and losses in float32 under either. MMEngine's AMP wrapper
    refuses CPUs, so without CUDA this stops with a clear message rather
    than silently training in fp32.
    """
    if dtype not in AMP_DTYPES:
        raise ValueError(f'AMP dtype {dtype!r} is not one of {AMP_DTYPES}')
    if not torch.cuda.is_available():
        raise SystemExit(
            '--amp needs a CUDA GPU: MMEngine\'s AmpOptimWrapper does not run '
            'on CPUs. Train without --amp on this machine.')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.dtype = dtype
    cfg.optim_wrapper.setdefault('loss_scale',
                                 'dynamic' if dtype == 'float16' else 1.0)


def add_runner_args(parser) -> None:
    """Arguments ``tools/train.py`` and ``tools/test.py`` share."""
    parser.add_argument(
        '--work-dir',
        help='where logs, checkpoints and '
        'metrics go (default: ./work_dirs/<config name>)')
    parser.add_argument(
        '--data-root',
        help='read every split (train, val, test) from this folder '
        'instead of the config\'s data_root')
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
    """The config of ``args.config`` with the shared arguments applied.

    Warns about ``--cfg-options`` that set a top-level variable nothing
    reads any more (see :func:`unread_option_warnings`).
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        for warning in unread_option_warnings(cfg, args.cfg_options):
            print_log(warning, logger='current', level=logging.WARNING)
        cfg.merge_from_dict(args.cfg_options)
    if args.data_root:
        set_data_root(cfg, args.data_root)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs',
        osp.splitext(osp.basename(args.config))[0])
    return cfg
