"""Plot the text mass: the radius R of one caption against every video.

Usage::

    python tools/analysis_tools/visualize_radius.py CONFIG CHECKPOINT \\
        EMBEDDINGS --query I [--out FILE.png] [--dump FILE.pth] \\
        [--negatives K] [--seed N] [--device cpu|cuda] [--cfg-options K=V]

EMBEDDINGS is the cached-embeddings file of ``eval_embeddings.py``. For
caption ``I`` the radius ``R = exp(Wr S + br)`` (docs/method.md §3) is computed
against every video from the checkpoint's radius weights, and one PNG with
two panels is written (default ``radius_query{I}.png``):

1. ``||R||_1`` of every candidate (x: video index), the ground-truth video
   marked, as in the paper's supplementary figures;
2. the ``D`` values of R for the ground-truth video against the ``K``
   (default 3) irrelevant videos with the highest T-MASS scores (protocol
   ``tmass``, seed from ``--seed`` or the config's evaluator).

The title quotes the caption when the file holds ``texts``. ``--dump``
saves ``{"radius": [V, D]}`` (R itself, not its log). Checkpoints are read
as in ``eval_embeddings.py`` (weights only, non-tensor objects replaced by
inert placeholders; see ``tmass_mm.utils.checkpoint``); the neck and head
weights are required, the backbone's are not.
"""
import argparse
import pickle
import sys
import textwrap

import torch

from tmass_mm.apis import (evaluator_settings, init_retriever, load_embeddings,
                           query_radius, query_scores)
from tmass_mm.apis.embedding_analysis import (add_model_loading_args,
                                              error_message)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Plot the radius of the text mass of one caption '
        'against every video.')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument(
        'checkpoint',
        help='MMEngine checkpoint with the '
        'neck and head (radius) weights')
    parser.add_argument('embeddings', help='cached embeddings file')
    parser.add_argument(
        '--query',
        type=int,
        required=True,
        help='index of the caption (row of text_embeds)')
    parser.add_argument('--out', help='PNG path (default radius_query{I}.png)')
    parser.add_argument('--dump', help='save {"radius": [V, D]} here')
    parser.add_argument(
        '--negatives',
        type=int,
        default=3,
        help='irrelevant videos in the second panel: the '
        'highest-scoring ones (default 3)')
    parser.add_argument(
        '--seed', type=int, help='seed of the scoring noise (default: config)')
    add_model_loading_args(parser)
    return parser.parse_args(argv)


def _shorten(text: str, width: int = 90) -> str:
    return textwrap.shorten(
        ' '.join(str(text).split()), width=width, placeholder='...')


def plot_radius(radius: torch.Tensor,
                scores: torch.Tensor,
                gt: int,
                negatives: list,
                out: str,
                query: int,
                text=None,
                video_ids=None) -> None:
    """Write the two-panel figure (see the module docstring)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    def name(v):
        return f'video {v}' + (f' ({video_ids[v]})' if video_ids else '')

    norms = radius.abs().sum(dim=1).numpy()
    num_videos, dim = radius.shape
    fig, (ax1, ax2) = plt.subplots(
        2, 1, figsize=(11, 8.5), constrained_layout=True)
    title = f'Text mass radius R of query {query}'
    if text is not None:
        title += f':\n"{_shorten(text)}"'
    fig.suptitle(title, fontsize=13)

    dense = num_videos > 100
    ax1.plot(
        range(num_videos),
        norms,
        color='tab:blue',
        marker='.',
        markersize=2 if dense else 5,
        linewidth=0 if dense else 0.7,
        alpha=0.6 if dense else 1.0,
        label='all candidate videos')
    colours = plt.cm.Set2.colors
    for k, v in enumerate(negatives):
        ax1.scatter(
            [v], [norms[v]],
            s=60,
            color=colours[k % len(colours)],
            edgecolor='black',
            zorder=3,
            label='irrelevant videos of the panel below' if k == 0 else None)
    ax1.axvline(
        gt,
        color='tab:red',
        linestyle='--',
        linewidth=0.8,
        alpha=0.7,
        zorder=1)
    ax1.scatter([gt], [norms[gt]],
                s=180,
                marker='*',
                color='tab:red',
                edgecolor='black',
                zorder=4,
                label='ground-truth video')
    ax1.annotate(
        f'ground truth: {name(gt)}\n'
        f'$\\|R\\|_1$ = {norms[gt]:.4g}',
        xy=(gt, norms[gt]),
        xytext=(min(max((gt + 0.5) / num_videos, 0.12), 0.88), 0.97),
        textcoords='axes fraction',
        ha='center',
        va='top',
        color='tab:red',
        fontsize=9,
        bbox=dict(
            boxstyle='round',
            facecolor='white',
            edgecolor='tab:red',
            alpha=0.9),
        arrowprops=dict(arrowstyle='->', color='tab:red'),
        zorder=5)
    ax1.set_xlabel('candidate video index')
    ax1.set_ylabel('$\\|R\\|_1$ (L1 norm of the radius)')
    ax1.set_title(
        f'$\\|R\\|_1$ over the {num_videos} candidates '
        f'(ground truth ranked {_rank(norms, gt)} of '
        f'{num_videos} by $\\|R\\|_1$)',
        fontsize=10)
    ax1.set_xlim(-0.5, num_videos - 0.5)
    ax1.xaxis.get_major_locator().set_params(integer=True)
    spread = (
        float(norms.max() - norms.min()) or abs(float(norms.max())) or 1.0)
    ax1.set_ylim(norms.min() - 0.08 * spread, norms.max() + 0.5 * spread)
    ax1.grid(alpha=0.3)
    # the top is kept free for the legend and, on the other side, the label
    ax1.legend(
        loc='upper left' if gt > num_videos / 2 else 'upper right', fontsize=9)

    dims = range(dim)
    for k, v in enumerate(negatives):
        ax2.plot(
            dims,
            radius[v].numpy(),
            color=colours[k % len(colours)],
            linewidth=1.0,
            alpha=0.9,
            label=f'irrelevant: {name(v)}, score {scores[v]:.3f}')
    ax2.plot(
        dims,
        radius[gt].numpy(),
        color='tab:red',
        linewidth=1.6,
        label=f'relevant: {name(gt)}, score {scores[gt]:.3f}')
    ax2.set_xlabel('embedding dimension d')
    ax2.set_ylabel('$R_d$ (radius per dimension)')
    ax2.set_title(
        'R of the ground-truth video vs. the highest-scoring '
        'irrelevant videos',
        fontsize=10)
    ax2.set_xlim(0, dim - 1)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=9, loc='best')
    fig.savefig(out, dpi=120)
    plt.close(fig)


def _rank(values, index) -> int:
    """1-based rank of ``values[index]``, largest first."""
    return int((values > values[index]).sum()) + 1


def visualize_radius(config,
                     checkpoint,
                     embeddings,
                     query,
                     out=None,
                     dump=None,
                     negatives=3,
                     seed=None,
                     device=None,
                     cfg_options=None,
                     allow_partial=False) -> torch.Tensor:
    """The tool as a function; returns the ``[V, D]`` radius."""
    embeds = load_embeddings(embeddings)
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    model, cfg = init_retriever(
        config, checkpoint, device, cfg_options, allow_partial=allow_partial)
    seed = evaluator_settings(cfg)['seed'] if seed is None else seed
    radius = query_radius(model, embeds, query)
    if dump:
        torch.save(dict(radius=radius), dump)
    scores = query_scores(model, embeds, query, seed)
    gt = int(embeds['text_to_video'][query])
    order = torch.argsort(scores, descending=True).tolist()
    hardest = [v for v in order if v != gt][:max(negatives, 0)]
    texts = embeds.get('texts')
    plot_radius(radius, scores, gt, hardest, out or f'radius_query{query}.png',
                query, texts[query] if texts else None,
                embeds.get('video_ids'))
    return radius


def main(argv=None) -> torch.Tensor:
    args = parse_args(argv)
    out = args.out or f'radius_query{args.query}.png'
    try:
        radius = visualize_radius(args.config, args.checkpoint,
                                  args.embeddings, args.query, out, args.dump,
                                  args.negatives, args.seed, args.device,
                                  args.cfg_options, args.allow_partial)
    except (FileNotFoundError, IndexError, KeyError, ValueError, RuntimeError,
            pickle.UnpicklingError) as err:
        sys.exit(f'visualize_radius: {error_message(err)}')
    print(f'radius plot written to {out}' +
          (f', radius [V, D] to {args.dump}' if args.dump else ''))
    return radius


if __name__ == '__main__':
    main()
