"""Search a folder of videos with a sentence.

    python demo/text_to_video_search.py CONFIG CHECKPOINT --videos DIR \\
        --query "a large blue square moves right along the bottom" \\
        [--topk 5] [--cache gallery.pth] [--html results.html]

Prints the ranked videos; ``--html`` also writes a self-contained page with
a strip of frames and a player per hit. See docs/search.md.
"""
import argparse
import sys

from mmengine.config import DictAction

from tmass_mm.apis import TextToVideoRetrievalInferencer
from tmass_mm.apis.gallery_ranking import DEFAULT_SHORTLIST
from tmass_mm.apis.search_page import write_results_page


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Rank the videos of a folder for a sentence with a '
        'T-MASS model')
    parser.add_argument('config', help='the model config')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument(
        '--videos',
        required=True,
        help='folder of videos (searched recursively)')
    parser.add_argument('--query', required=True, help='the sentence')
    parser.add_argument('--topk', type=int, default=5, help='hits to show')
    parser.add_argument(
        '--cache',
        help='gallery cache file: created, then updated incrementally')
    parser.add_argument(
        '--shortlist',
        type=int,
        default=DEFAULT_SHORTLIST,
        help='videos scored exactly after the mean-frame shortlist')
    parser.add_argument(
        '--exhaustive',
        action='store_true',
        help='score every video exactly (no shortlist)')
    parser.add_argument(
        '--seed', type=int, help="noise seed (default: the head's)")
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--batch-size', type=int, default=8, help='videos per encoder call')
    parser.add_argument(
        '--workers', type=int, default=0, help='decoding processes')
    parser.add_argument('--html', help='write a results page here')
    parser.add_argument(
        '--frames', type=int, default=6, help='thumbnails per hit on the page')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    return parser.parse_args(argv)


def format_table(hits) -> str:
    """The hits as a text table: rank, score, video."""
    lines = [f'{"rank":>4}  {"score":>8}  video']
    lines += [
        f'{hit["rank"]:>4}  {hit["score"]:>8.4f}  {hit["video"]}'
        for hit in hits
    ]
    return '\n'.join(lines)


def main(argv=None) -> list:
    args = parse_args(argv)
    search = TextToVideoRetrievalInferencer(
        args.config,
        args.checkpoint,
        gallery=args.videos,
        gallery_cache=args.cache,
        shortlist=args.shortlist,
        seed=args.seed,
        device=args.device,
        batch_size=args.batch_size,
        num_workers=args.workers,
        cfg_options=args.cfg_options)
    hits = search(args.query, topk=args.topk, exhaustive=args.exhaustive)
    print(f'query: {args.query}')
    print(format_table(hits))
    if args.html:
        report = search.report
        note = (f'{len(search.features.videos)} videos searched in '
                f'{args.videos}')
        if report['failed']:
            note += f'; {len(report["failed"])} unreadable, left out'
        write_results_page(args.html, args.query, hits, args.frames, note)
        print(f'results page: {args.html}')
    return hits


if __name__ == '__main__':
    main(sys.argv[1:])
