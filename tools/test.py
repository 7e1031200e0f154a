"""Evaluate a T-MASS checkpoint on a config's test set.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--data-root DIR]
        [--dump-embeddings FILE] [--cfg-options KEY=VALUE ...]
        [--launcher none|pytorch|slurm]

Writes the metrics to ``<work_dir>/test_metrics.json`` as
``{"t2v": {"R1", "R5", "R10", "R50", "MdR", "MnR"}, "v2t": {...}}``.
``--dump-embeddings`` saves the features ``eval_embeddings.py`` reads.
"""
import argparse
import json
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.runner import Runner

from tmass_mm.apis.run_setup import (add_runner_args, load_run_config,
                                     trust_run_checkpoints)
from tmass_mm.utils.cpu_distributed import (close_process_group,
                                            use_gloo_without_cuda)


def parse_args():
    parser = argparse.ArgumentParser(description='Test a T-MASS retriever')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--dump-embeddings',
        metavar='FILE',
        help='save text_embeds [T, D], video_embeds '
        '[V, F, D] and text_to_video [T] to FILE')
    add_runner_args(parser)
    return parser.parse_args()


def nest_metrics(metrics: dict) -> dict:
    """``{'retrieval/t2v/R1': x}`` → ``{'t2v': {'R1': x}}``."""
    nested = {}
    for key, value in metrics.items():
        direction, name = key.split('/')[-2:]
        nested.setdefault(direction, {})[name] = value
    return nested


def main():
    args = parse_args()
    cfg = load_run_config(args)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.dump_embeddings:
        cfg.test_evaluator.dump_embeddings = args.dump_embeddings
    # the checkpoint sets every weight: never download CLIP's
    cfg.model.backbone.pretrained = None
    use_gloo_without_cuda(cfg)
    trust_run_checkpoints(cfg)  # CHECKPOINT itself is read weights-only
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if is_main_process():
        out = osp.join(cfg.work_dir, 'test_metrics.json')
        with open(out, 'w') as f:
            json.dump(nest_metrics(metrics), f, indent=2)
        print(f'metrics written to {out}')
    close_process_group()


if __name__ == '__main__':
    main()
