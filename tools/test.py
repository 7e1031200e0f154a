"""Evaluate a T-MASS checkpoint on a config's test set.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--dump-embeddings FILE] [--cfg-options KEY=VALUE ...]
        [--launcher none|pytorch|slurm]

Writes the metrics to ``<work_dir>/test_metrics.json`` as
``{"t2v": {"R1", "R5", "R10", "R50", "MdR", "MnR"}, "v2t": {...}}``.
``--dump-embeddings`` saves the features ``eval_embeddings.py`` reads.
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process
from mmengine.runner import Runner

from tmass_mm.utils.cpu_distributed import use_gloo_without_cuda
from tmass_mm.utils.run_setup import trust_run_checkpoints


def parse_args():
    parser = argparse.ArgumentParser(description='Test a T-MASS retriever')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs and metrics go')
    parser.add_argument('--dump-embeddings', metavar='FILE',
                        help='save text_embeds [T, D], video_embeds '
                        '[V, F, D] and text_to_video [T] to FILE')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. '
                        'test_evaluator.protocol=official')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def nest_metrics(metrics: dict) -> dict:
    """``{'retrieval/t2v/R1': x}`` → ``{'t2v': {'R1': x}}``."""
    nested = {}
    for key, value in metrics.items():
        direction, name = key.split('/')[-2:]
        nested.setdefault(direction, {})[name] = value
    return nested


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.dump_embeddings:
        cfg.test_evaluator.dump_embeddings = args.dump_embeddings
    # the checkpoint sets every weight: never download CLIP's
    cfg.model.backbone.pretrained = None
    use_gloo_without_cuda(cfg)
    trust_run_checkpoints(cfg, args.checkpoint)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if is_main_process():
        out = osp.join(cfg.work_dir, 'test_metrics.json')
        with open(out, 'w') as f:
            json.dump(nest_metrics(metrics), f, indent=2)
        print(f'metrics written to {out}')


if __name__ == '__main__':
    main()
