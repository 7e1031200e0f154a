"""Train a T-MASS model with MMEngine's Runner.

    python tools/train.py CONFIG [--work-dir DIR] [--amp] [--resume [PATH]]
        [--test] [--cfg-options KEY=VALUE ...] [--launcher none|pytorch|slurm]
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from tmass_mm.utils.cpu_distributed import use_gloo_without_cuda
from tmass_mm.utils.run_setup import enable_amp, trust_run_checkpoints


def parse_args():
    parser = argparse.ArgumentParser(description='Train a T-MASS retriever')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (fp16 AmpOptimWrapper; needs '
                        'CUDA)')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from PATH, or from the latest checkpoint in the work '
        'dir when no path is given')
    parser.add_argument('--test', action='store_true',
                        help='evaluate the final model on the test set '
                        'after training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by the actual batch size')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. '
                        'train_dataloader.batch_size=16')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_cfg(args) -> Config:
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        enable_amp(cfg)
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def main():
    args = parse_args()
    cfg = build_cfg(args)
    use_gloo_without_cuda(cfg)
    trust_run_checkpoints(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    if args.test:
        runner.test()


if __name__ == '__main__':
    main()
