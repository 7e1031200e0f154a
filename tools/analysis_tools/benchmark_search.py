"""Speed, memory and ranking agreement of text-to-video search
(``TextToVideoRetrievalInferencer``, docs/search.md).

Three measurements, each printed as a table:

- ``encode``: gallery encoding throughput (videos/s) of the demo model
  (``configs/demo/tmass_tiny_synthetic.py``) on ``--encode-videos``
  generated videos: decoding, the test pipeline and the backbone, batched.
- ``latency``: query latency, text encoding included, and memory against
  gallery size on synthetic frame features (``F = 12``, ``D = 512``,
  ViT-B/32 model with random weights), exhaustive vs two-stage.
- ``agreement``: the fraction of queries whose two-stage top-10 set equals
  the exhaustive top-10 set, per shortlist size, with and without
  widening (``--widen-limits``) and with the number of videos scored
  exactly per query, on a gallery of
  ``--agreement-videos`` generated videos encoded by a trained demo
  checkpoint; the disagreements that are near-ties (every video the
  two-stage top-10 misses scores within ``--tie-tol`` of the exhaustive
  10th score, or was swapped for another rendering of the same visible
  scene: the 144 attribute combinations repeat in a large gallery) are
  counted apart.

Run with ``OMP_NUM_THREADS`` unset and ``--threads 2`` for the two-core
numbers of docs/search.md, e.g.::

    python tools/analysis_tools/benchmark_search.py \\
        --demo-checkpoint work_dirs/tmass_tiny_synthetic/epoch_12.pth
"""
import argparse
import json
import os
import os.path as osp
import threading
import time

import torch

from tmass_mm.apis.gallery_cache import GalleryFeatures
from tmass_mm.apis.gallery_encoding import encode_videos
from tmass_mm.apis.gallery_files import GalleryVideo, list_gallery
from tmass_mm.apis.gallery_ranking import (DEFAULT_SHORTLIST, WIDEN_LIMIT,
                                           GalleryRanker)
from tmass_mm.apis.model_loading import init_retriever
from tmass_mm.apis.retrieval_inferencer import (ENCODING_PARTS,
                                                TextToVideoRetrievalInferencer,
                                                test_pipeline_cfg)
from tmass_mm.apis.search_scoring import unit_mean_frames

DEMO = 'configs/demo/tmass_tiny_synthetic.py'
VITB32 = 'configs/tmass/tmass_vit-b32_1xb32-12f-5e_msrvtt-9k.py'
LATENCY_QUERIES = [
    'a dog catches a frisbee on the beach', 'a man is cooking in a kitchen',
    'two people dance on a stage', 'a car drives down a snowy road',
    'a woman plays the piano'
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--what',
        nargs='+',
        default=['encode', 'latency', 'agreement'],
        choices=['encode', 'latency', 'agreement'])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument(
        '--work-dir',
        default='work_dirs/benchmark_search',
        help='generated galleries and caches')
    parser.add_argument('--demo-config', default=DEMO)
    parser.add_argument(
        '--demo-checkpoint',
        help='trained demo checkpoint (needed by agreement)')
    parser.add_argument('--encode-videos', type=int, default=200)
    parser.add_argument('--latency-config', default=VITB32)
    parser.add_argument(
        '--sizes', type=int, nargs='+', default=[1000, 10000, 100000])
    parser.add_argument(
        '--exhaustive-max',
        type=int,
        default=10000,
        help='largest gallery timed exhaustively (its time grows '
        'linearly with the gallery)')
    parser.add_argument('--agreement-videos', type=int, default=4000)
    parser.add_argument('--agreement-queries', type=int, default=200)
    parser.add_argument(
        '--shortlists', type=int, nargs='+', default=[50, 100, 200, 300, 400])
    parser.add_argument(
        '--widen-limits',
        type=int,
        nargs='+',
        default=[1, WIDEN_LIMIT],
        help='GalleryRanker.widen_limit values to compare (1: no widening)')
    parser.add_argument('--tie-tol', type=float, default=1e-3)
    return parser.parse_args()


class PeakRSS:
    """Growth of the resident set during a ``with`` block (sampled every
    2 ms from /proc/self/statm), in bytes."""

    def __enter__(self):
        self.start = self.peak = _rss()
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, _rss())
            time.sleep(0.002)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()
        self.growth = max(self.peak, _rss()) - self.start


def _rss() -> int:
    with open('/proc/self/statm') as file:
        return int(file.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def demo_gallery(args, split: str, num_videos: int) -> dict:
    """Config of a generated demo split under ``--work-dir``."""
    from mmengine.config import Config
    cfg = Config.fromfile(args.demo_config)
    gallery = cfg.test_dataloader.dataset.to_dict()
    gallery.update(
        data_root=osp.join(args.work_dir, 'synthetic_shapes'),
        split=split,
        num_videos=num_videos)
    return gallery


def bench_encode(args) -> None:
    model, cfg = init_retriever(
        args.demo_config, args.demo_checkpoint, required=ENCODING_PARTS)
    from mmengine.dataset import Compose

    from tmass_mm.registry import TRANSFORMS
    pipeline = Compose([TRANSFORMS.build(t) for t in test_pipeline_cfg(cfg)])
    videos = list_gallery(demo_gallery(args, 'encode', args.encode_videos))
    encode_videos(model, pipeline, videos[:8], progress=False)  # warm-up
    print(f'\n## encoding, demo model, {len(videos)} videos, '
          f'{torch.get_num_threads()} threads')
    print('| batch | videos/s |\n|---:|---:|')
    for batch_size in (8, 32):
        start = time.perf_counter()
        encoded = encode_videos(
            model, pipeline, videos, batch_size=batch_size, progress=False)
        seconds = time.perf_counter() - start
        assert not encoded.failed, encoded.failed[:3]
        print(f'| {batch_size} | {len(videos) / seconds:.1f} |')


def synthetic_features(num_videos: int,
                       frames: int = 12,
                       dim: int = 512) -> GalleryFeatures:
    """Random frame features around per-video centres (float16)."""
    generator = torch.Generator().manual_seed(num_videos)
    feats = torch.empty(num_videos, frames, dim, dtype=torch.half)
    for v0 in range(0, num_videos, 8192):
        part = feats[v0:v0 + 8192]
        centre = torch.randn(len(part), 1, dim, generator=generator)
        part.copy_(centre + 0.5 *
                   torch.randn(len(part), frames, dim, generator=generator))
    videos = [
        GalleryVideo(f'synthetic/{i:06d}.mp4', f'synthetic/{i:06d}.mp4')
        for i in range(num_videos)
    ]
    return GalleryFeatures(videos,
                           torch.zeros(num_videos, 2, dtype=torch.long), feats,
                           unit_mean_frames(feats))


def _timed_query(ranker, query: str, **kwargs):
    with PeakRSS() as memory:
        start = time.perf_counter()
        ranker(query, topk=10, **kwargs)
        seconds = time.perf_counter() - start
    return seconds, memory.growth


def matmul_gflops(repeats: int = 20) -> float:
    """Throughput of ``[4096, 512] x [512, 512]`` float32 matmuls: how
    fast this machine is right now (a busy machine scales every time)."""
    a, b = torch.randn(4096, 512), torch.randn(512, 512)
    a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * 4096 * 512 * 512 * repeats / (time.perf_counter() - start) / 1e9


def bench_latency(args) -> None:
    model, cfg = init_retriever(args.latency_config, None)
    from tmass_mm.datasets.transforms import TokenizeTexts
    from tmass_mm.registry import TRANSFORMS
    tokenize = next(
        TRANSFORMS.build(t) for t in test_pipeline_cfg(cfg)
        if t['type'] == 'TokenizeTexts')
    assert isinstance(tokenize, TokenizeTexts)
    print(f'\n## query latency, ViT-B/32 (F=12, D=512, M='
          f'{model.head.num_trials}), {torch.get_num_threads()} threads, '
          f'median of {len(LATENCY_QUERIES)} queries; float32 matmul '
          f'{matmul_gflops():.0f} GFLOP/s, load average '
          f'{os.getloadavg()[0]:.1f}')
    print('| videos | features (GB) | two-stage (s) | videos scored '
          '(median / max) | two-stage peak extra (MB) | exhaustive (s) | '
          'exhaustive peak extra (MB) |')
    print('|---:|---:|---:|---:|---:|---:|---:|')
    for size in args.sizes:
        features = synthetic_features(size)
        ranker = GalleryRanker(model, tokenize, features, seed=0)
        gigabytes = (features.frames.nbytes + features.means.nbytes) / 1e9
        ranker(LATENCY_QUERIES[0], topk=10)  # warm-up
        if size == args.sizes[0]:
            start = time.perf_counter()
            for query in LATENCY_QUERIES:
                ranker.encode_text([query])
            seconds = (time.perf_counter() - start) / len(LATENCY_QUERIES)
            print(f'(text encoding alone: {seconds * 1e3:.0f} ms a query)')
        runs, scored = [], []
        for query in LATENCY_QUERIES:
            runs.append(_timed_query(ranker, query))
            scored.append(ranker.last_scored[0])
        scored.sort()
        two_s = sorted(r[0] for r in runs)[len(runs) // 2]
        two_mb = max(r[1] for r in runs) / 1e6
        full = '| - | -'
        if size <= args.exhaustive_max:
            seconds, growth = _timed_query(
                ranker, LATENCY_QUERIES[1], exhaustive=True)
            full = f'| {seconds:.2f} | {growth / 1e6:.0f}'
        print(
            f'| {size} | {gigabytes:.2f} | {two_s:.3f} | '
            f'{scored[len(scored) // 2]} / {scored[-1]} | {two_mb:.0f} '
            f'{full} |',
            flush=True)
        del ranker, features


#: what the model can see of a generated scene (not the direction)
VISIBLE = ('colour', 'shape', 'size', 'path', 'background')


def visible_scenes(gallery: dict) -> dict:
    """``{video file name: visible attributes}`` from the generated split's
    ``scenes.json`` (empty if the generator wrote none)."""
    path = osp.join(gallery['data_root'], gallery['split'], 'scenes.json')
    if not osp.isfile(path):
        return {}
    with open(path) as file:
        scenes = json.load(file)
    return {
        name: tuple(scene[k] for k in VISIBLE)
        for name, scene in scenes.items()
    }


def classify_miss(exact: list, short: list, scenes: dict, tol: float) -> str:
    """``'equal'``, ``'tie'`` (each exhaustive top-10 video the two-stage
    top-10 lacks is replaced by a video of the same visible scene, or
    scores within ``tol`` of the 10th) or ``'miss'``."""
    top = [hit['video'] for hit in exact[:10]]
    got = [hit['video'] for hit in short]
    missed = [video for video in top if video not in got]
    if not missed:
        return 'equal'
    scene = {
        hit['video']: scenes.get(osp.basename(hit['video']))
        for hit in exact
    }
    score = {hit['video']: hit['score'] for hit in exact}
    extra = [scene[video] for video in got if video not in top]
    for video in missed:
        if scene[video] is not None and scene[video] in extra:
            extra.remove(scene[video])
        elif score[video] - exact[9]['score'] > tol:
            return 'miss'
    return 'tie'


def bench_agreement(args) -> None:
    if not args.demo_checkpoint:
        raise SystemExit('agreement needs --demo-checkpoint (a trained demo)')
    gallery = demo_gallery(args, 'agreement', args.agreement_videos)
    search = TextToVideoRetrievalInferencer(
        args.demo_config,
        args.demo_checkpoint,
        gallery=gallery,
        gallery_cache=osp.join(args.work_dir, 'agreement_cache.pth'),
        batch_size=32)
    from tmass_mm.registry import DATASETS
    dataset = DATASETS.build(dict(gallery, test_mode=True))
    captions = []
    for i in range(len(dataset)):
        for caption in dataset.get_data_info(i)['texts']:
            if caption not in captions:
                captions.append(caption)
    queries = captions[:args.agreement_queries]
    scenes = visible_scenes(gallery)
    num_videos = len(search.features.videos)
    full = search(queries, topk=num_videos, exhaustive=True)
    print(f'\n## top-10 agreement, trained demo model, {num_videos} videos, '
          f'{len(queries)} queries, default shortlist {DEFAULT_SHORTLIST}')
    print('| shortlist | widen limit | top-10 sets equal | ties only | '
          'other misses | videos scored (median / max) |')
    print('|---:|---:|---:|---:|---:|---:|')
    for size in args.shortlists:
        for limit in args.widen_limits:
            search.ranker.widen_limit = limit
            two = search(queries, topk=10, shortlist=size)
            scored = sorted(search.ranker.last_scored)
            kinds = [
                classify_miss(exact, short, scenes, args.tie_tol)
                for exact, short in zip(full, two)
            ]
            shares = [
                100 * kinds.count(kind) / len(kinds)
                for kind in ('equal', 'tie', 'miss')
            ]
            print(
                f'| {size} | {limit} | ' + ' | '.join(f'{x:.1f} %'
                                                      for x in shares) +
                f' | {scored[len(scored) // 2]} / {scored[-1]} |',
                flush=True)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.work_dir, exist_ok=True)
    for what in args.what:
        dict(
            encode=bench_encode,
            latency=bench_latency,
            agreement=bench_agreement)[what](
                args)


if __name__ == '__main__':
    main()
