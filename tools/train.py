"""Train a T-MASS model with MMEngine's Runner.

    python tools/train.py CONFIG [--work-dir DIR] [--amp] [--resume [PATH]]
        [--test] [--cfg-options KEY=VALUE ...] [--launcher none|pytorch|slurm]
"""
import argparse
import sys

from tmass_mm.engine.ledger_runner import CheckpointLedgerRunner
from tmass_mm.utils.checkpoint import CheckpointError
from tmass_mm.utils.cpu_distributed import (close_process_group,
                                            use_gloo_without_cuda)
from tmass_mm.utils.run_setup import (add_runner_args, enable_amp,
                                      load_run_config, trust_run_checkpoints)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a T-MASS retriever')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision (fp16 AmpOptimWrapper; needs '
        'CUDA)')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from PATH, or from the latest checkpoint in the work '
        'dir when no path is given')
    parser.add_argument(
        '--test',
        action='store_true',
        help='evaluate the final model on the test set '
        'after training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by the actual batch size')
    add_runner_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_run_config(args)
    if args.amp:
        enable_amp(cfg)
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    use_gloo_without_cuda(cfg)
    try:
        trust_run_checkpoints(cfg)
    except (FileNotFoundError, CheckpointError) as err:
        sys.exit(f'tools/train.py: {err.args[0]}')
    runner = CheckpointLedgerRunner.from_cfg(cfg)
    runner.train()
    if args.test:
        runner.test()
    close_process_group()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        sys.exit('tools/train.py: interrupted (Ctrl-C); continue with '
                 '--resume')
