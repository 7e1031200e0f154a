"""Train a T-MASS model with MMEngine's Runner.

    python tools/train.py CONFIG [--work-dir DIR] [--data-root DIR]
        [--amp] [--amp-dtype float16|bfloat16] [--auto-scale-lr]
        [--resume [PATH]] [--test] [--cfg-options KEY=VALUE ...]
        [--launcher none|pytorch|slurm]
"""
import argparse
import sys

from tmass_mm.apis.run_setup import (AMP_DTYPES, add_runner_args,
                                     apply_global_batch_size,
                                     apply_selection_policy, enable_amp,
                                     evaluate_selected_checkpoint,
                                     launched_world_size, load_run_config,
                                     trust_run_checkpoints)
from tmass_mm.engine.ledger_runner import CheckpointLedgerRunner
from tmass_mm.utils.checkpoint import CheckpointError
from tmass_mm.utils.cpu_distributed import (close_process_group,
                                            use_gloo_without_cuda)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a T-MASS retriever')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision (AmpOptimWrapper, fp16 unless --amp-dtype '
        'says otherwise; needs CUDA)')
    parser.add_argument(
        '--amp-dtype',
        choices=AMP_DTYPES,
        help='mixed precision in this dtype (implies --amp); logits, the '
        'radius exponent and the losses stay float32')
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
        help='after training, evaluate the selected checkpoint (the best by '
        'validation, or the last where the recipe selects none) on the '
        'test set')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by (GPUs x batch per GPU) / '
        'auto_scale_lr.base_batch_size (32 in the recipes)')
    add_runner_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_run_config(args)
    if args.amp or args.amp_dtype:
        enable_amp(cfg, args.amp_dtype or 'float16')
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    apply_global_batch_size(cfg, launched_world_size(args.launcher))
    apply_selection_policy(cfg)
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
        evaluate_selected_checkpoint(runner)
    close_process_group()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        sys.exit('tools/train.py: interrupted (Ctrl-C); continue with '
                 '--resume')
