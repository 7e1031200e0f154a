"""Evaluate a T-MASS checkpoint on a config's test set.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--data-root DIR]
        [--dump-embeddings FILE] [--allow-partial]
        [--cfg-options KEY=VALUE ...] [--launcher none|pytorch|slurm]

Writes the metrics to ``<work_dir>/test_metrics.json`` as
``{"t2v": {"R1", "R5", "R10", "R50", "MdR", "MnR"}, "v2t": {...}}``.
``--dump-embeddings`` saves the features ``eval_embeddings.py`` reads.

CHECKPOINT is read weights-only, wherever it lies, and must set every weight
of the config's model with its shape; otherwise the tool stops with one line
naming the file and the first keys (``--allow-partial`` loads what matches,
with a warning). See docs/reliability.md.
"""
import argparse
import json
import os.path as osp
import sys

from mmengine.dist import is_main_process
from mmengine.runner import Runner

from tmass_mm.apis import EVERY_WEIGHT, load_checkpoint_weights
from tmass_mm.apis.run_setup import (add_runner_args, load_run_config,
                                     trust_run_checkpoints)
from tmass_mm.evaluation import with_embedding_dump
from tmass_mm.utils.checkpoint import CheckpointError
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
    parser.add_argument(
        '--allow-partial',
        action='store_true',
        help='load a checkpoint that does not set every weight (the rest '
        'stays random) instead of refusing it; the metrics then do not '
        'measure the checkpoint')
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
    cfg.load_from, cfg.resume = None, False  # CHECKPOINT is loaded below
    if args.dump_embeddings:
        cfg.test_evaluator = with_embedding_dump(cfg.test_evaluator,
                                                 args.dump_embeddings)
    # the checkpoint sets every weight: never download CLIP's
    cfg.model.backbone.pretrained = None
    use_gloo_without_cuda(cfg)
    trust_run_checkpoints(cfg)  # nothing else the Runner reads is unpickled
    runner = Runner.from_cfg(cfg)
    try:
        load_checkpoint_weights(runner.model, args.checkpoint, EVERY_WEIGHT,
                                args.allow_partial)
    except (FileNotFoundError, CheckpointError, KeyError, RuntimeError) as err:
        sys.exit(f'tools/test.py: {err.args[0] if err.args else err}')
    metrics = runner.test()
    if is_main_process():
        out = osp.join(cfg.work_dir, 'test_metrics.json')
        with open(out, 'w') as f:
            json.dump(nest_metrics(metrics), f, indent=2)
        print(f'metrics written to {out}')
    close_process_group()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        sys.exit('tools/test.py: interrupted (Ctrl-C); nothing was written')
