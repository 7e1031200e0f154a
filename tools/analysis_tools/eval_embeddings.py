"""Evaluate a T-MASS checkpoint on cached embeddings, without re-encoding.

Usage::

    python tools/analysis_tools/eval_embeddings.py CONFIG CHECKPOINT \\
        EMBEDDINGS [--trials M] [--protocol tmass|official] \\
        [--post none|dsl|qbnorm] [--prior uniform01|normal] \\
        [--prior-std S] [--seed N] [--out FILE.json] \\
        [--dump-sims FILE.pth] [--querybank FILE] [--device cpu|cuda] \\
        [--cfg-options K=V ...]

EMBEDDINGS is a ``torch.save`` file with ``text_embeds`` ``[T, D]``,
``video_embeds`` ``[V, F, D]`` (per-frame CLIP features) and
``text_to_video`` ``[T]``, as ``tools/test.py --dump-embeddings`` writes.
Only the checkpoint's neck and head (radius) weights are used; its backbone
may be absent, and the config's backbone is never downloaded.

Defaults come from the config: ``--trials``/``--prior``/``--prior-std`` from
the model's head and sampler; ``--protocol``, ``--post``, ``--seed`` (and
the querybank) from ``test_evaluator``'s ``RetrievalMetric`` (else
'tmass', 'none', 0); its ``post_kwargs`` apply when ``--post`` is its own
post-processing.

- ``--prior normal --prior-std 0`` makes the noise zero: X-Pool's
  deterministic scores cos(t, p(v|t)) (``--trials 1`` suffices).
- ``--protocol official`` reproduces the public T-MASS evaluation, which
  scores each candidate video with its pooled embedding conditioned on the
  video's own ground-truth caption; on multi-caption sets each candidate
  video is pooled on its FIRST ground-truth caption. A warning is logged:
  it reads test labels, so it is not a clean retrieval measurement.
- ``--post qbnorm`` needs a querybank (``text_embeds`` of e.g. training
  captions): the evaluator's ``querybank`` or ``--querybank FILE``.

Prints and (``--out``) writes ``{"t2v": {R1, R5, R10, R50, MdR, MnR},
"v2t": {...}}``; ``--dump-sims`` saves ``{"sims": [T, V]}`` (before
post-processing).

Checkpoint loading policy: the file is read with
``torch.load(weights_only=True)``. Converted official checkpoints hold only
tensors and load as they are. MMEngine's training checkpoints also pickle
the message hub (``HistoryBuffer``), numpy objects and ``builtins.getattr``,
which weights-only reading refuses; allow-listing them would not be safe
(``getattr`` reaches anything), so instead each refused global is replaced
by an inert placeholder: no code in the file runs and the tensors come back
exactly. The neck and head weights must be present (an error names missing
``neck.*``/``head.*`` keys); backbone keys may be absent. See
``tmass_mm.utils.checkpoint`` and ``tmass_mm.apis.model_loading``.
"""
import argparse
import json
import pickle
import sys

import torch

from tmass_mm.apis import (evaluate_embeddings, evaluator_settings,
                           init_retriever, load_embeddings)
from tmass_mm.apis.embedding_analysis import (add_model_loading_args,
                                              error_message, metrics_json)
from tmass_mm.evaluation.retrieval_scores import POST_PROCESSES, PROTOCOLS
from tmass_mm.models.samplers.stochastic_text import PRIORS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Retrieval metrics of a T-MASS checkpoint on cached '
        'embeddings.',
        epilog='--protocol official: each candidate video is pooled on its '
        'first ground-truth caption (the public T-MASS evaluation; it uses '
        'test labels).')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument(
        'checkpoint',
        help='MMEngine checkpoint (training '
        'or converted official); needs neck and head')
    parser.add_argument(
        'embeddings',
        help='torch.save file: text_embeds '
        '[T, D], video_embeds [V, F, D], text_to_video [T]')
    parser.add_argument(
        '--trials', type=int, help='stochastic trials M (default: config)')
    parser.add_argument(
        '--protocol',
        choices=PROTOCOLS,
        help='tmass (default) or official: each video '
        'pooled on its first ground-truth caption')
    parser.add_argument(
        '--post',
        choices=POST_PROCESSES,
        help='post-processing (default: config or none)')
    parser.add_argument(
        '--prior', choices=PRIORS, help='noise prior (default: config)')
    parser.add_argument(
        '--prior-std',
        type=float,
        help='std of the normal prior; 0 = no noise')
    parser.add_argument(
        '--seed', type=int, help='seed of the scoring noise (default: config)')
    parser.add_argument(
        '--querybank',
        help='text_embeds file for --post qbnorm '
        '(default: the config evaluator\'s querybank)')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    parser.add_argument('--dump-sims', help='save {"sims": [T, V]} here')
    add_model_loading_args(parser)
    return parser.parse_args(argv)


def eval_embeddings(config,
                    checkpoint,
                    embeddings,
                    trials=None,
                    protocol=None,
                    post=None,
                    prior=None,
                    prior_std=None,
                    seed=None,
                    querybank=None,
                    out=None,
                    dump_sims=None,
                    device=None,
                    cfg_options=None,
                    allow_partial=False) -> dict:
    """The tool as a function; arguments as on the command line (``None``:
    the config's value). Returns the ``{'t2v', 'v2t'}`` metrics."""
    embeds = load_embeddings(embeddings)
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    model, cfg = init_retriever(
        config,
        checkpoint,
        device,
        cfg_options,
        trials,
        prior,
        prior_std,
        allow_partial=allow_partial)
    settings = evaluator_settings(cfg)
    if post and post != settings['post_process']:
        # the evaluator's post_kwargs belong to its own post-processing
        settings['post_kwargs'] = {}
    overrides = dict(protocol=protocol, post_process=post, querybank=querybank)
    settings.update({k: v for k, v in overrides.items() if v})
    if seed is not None:
        settings['seed'] = seed
    metrics, sims = evaluate_embeddings(model, embeds, **settings)
    metrics = metrics_json(metrics)
    if out:
        with open(out, 'w') as f:
            json.dump(metrics, f, indent=2)
    if dump_sims:
        torch.save(dict(sims=sims), dump_sims)
    return metrics


def main(argv=None) -> dict:
    args = parse_args(argv)
    try:
        metrics = eval_embeddings(args.config, args.checkpoint,
                                  args.embeddings, args.trials, args.protocol,
                                  args.post, args.prior, args.prior_std,
                                  args.seed, args.querybank, args.out,
                                  args.dump_sims, args.device,
                                  args.cfg_options, args.allow_partial)
    except (FileNotFoundError, KeyError, ValueError, RuntimeError,
            pickle.UnpicklingError) as err:
        sys.exit(f'eval_embeddings: {error_message(err)}')
    print(json.dumps(metrics, indent=2))
    return metrics


if __name__ == '__main__':
    main()
