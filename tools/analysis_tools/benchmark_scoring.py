"""Speed and memory of all-pairs T-MASS scoring (docs/method.md §6).

On random embeddings (``D = 512``, ``F = 12`` by default) of ``N`` texts x
``N`` videos with ``M`` trials, measures wall time and peak memory of

- ``faithful``: ``score_all_pairs(noise='faithful')``, fresh noise per text,
  video and trial;
- ``shared``: ``score_all_pairs(noise='shared')``, each text's ``M`` draws
  reused for every video;
- ``baseline``: docs/method.md §6 written straightforwardly (the neck's
  forward per block of pairs, ``M`` fresh ``[Vc, Tc, D]`` draws of
  ``torch.rand``), kept here as the reference point. It is run at
  ``--baseline-num`` and its time extrapolated to ``N`` by ``(N / n)^2``
  when that is smaller.

It also prints the random-number floor of faithful mode (the time to draw
the ``N * N * M * D`` values alone, with the scoring's counter-based
generator and with ``torch.rand``), and compares the retrieval metrics of the
two modes on synthetic data with a planted signal over ``--seeds`` noise
seeds, beside the seed-to-seed spread.

Peak memory is the growth of the process's resident set during the call
(sampled every 2 ms) on CPU, and ``torch.cuda.max_memory_allocated`` above
the allocation before the call on GPU.

Example::

    python tools/analysis_tools/benchmark_scoring.py --num 1000 --trials 20
"""
import argparse
import os
import threading
import time

import torch
from torch.nn.functional import normalize

from tmass_mm.evaluation.functional import rank_metrics, text_to_video_ranks
from tmass_mm.models import StochasticTextSampler, XPoolNeck
from tmass_mm.models.heads import score_all_pairs
from tmass_mm.models.heads.pair_scoring import DEFAULT_CHUNKS
from tmass_mm.models.samplers.counter_noise import CounterNoise

METRICS = ('R1', 'R5', 'R10', 'MnR')
#: planted signal of the synthetic data (about 40% t2v R@1 at N = 500)
SIGNAL = 0.07


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--num', type=int, default=1000, help='N texts and N videos')
    parser.add_argument('--trials', type=int, default=20, help='M')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument(
        '--mode',
        default='all',
        choices=['all', 'faithful', 'shared', 'baseline'],
        help='what to time (default: all three)')
    parser.add_argument(
        '--baseline-num',
        type=int,
        default=250,
        help='N of the baseline run (extrapolated to --num)')
    parser.add_argument(
        '--metric-num',
        type=int,
        default=500,
        help='N of the synthetic metric comparison; 0 skips')
    parser.add_argument(
        '--seeds',
        type=int,
        default=5,
        help='noise seeds of the metric comparison')
    parser.add_argument('--dim', type=int, default=512)
    parser.add_argument('--frames', type=int, default=12)
    return parser.parse_args()


class PeakMemory:
    """Context manager: peak memory growth (bytes) while it is open."""

    def __init__(self, device: torch.device):
        self.device = device
        self.peak = 0

    def __enter__(self):
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._base = torch.cuda.memory_allocated(self.device)
            return self
        self._base = self._rss()
        self._top = self._base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            self.peak = torch.cuda.max_memory_allocated(self.device) - \
                self._base
            return
        self._stop.set()
        self._thread.join()
        self.peak = max(self._top, self._rss()) - self._base

    def _watch(self):
        while not self._stop.wait(0.002):
            self._top = max(self._top, self._rss())

    @staticmethod
    def _rss() -> int:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def timed(fn, device: torch.device):
    """``(result, seconds, peak bytes)`` of ``fn()``."""
    with PeakMemory(device) as memory:
        start = time.perf_counter()
        result = fn()
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
    return result, seconds, memory.peak


def build_model(dim: int, frames: int, device: torch.device):
    """An eval-mode neck (identity init, slightly perturbed) and sampler."""
    neck = XPoolNeck(dim).eval()
    sampler = StochasticTextSampler(
        radius=dict(type='SimilarityRadius', num_frames=frames,
                    embed_dim=dim)).eval()
    with torch.no_grad():
        for param in neck.parameters():
            param.add_(0.02 * torch.randn_like(param))
    return neck.to(device), sampler.to(device)


def synthetic_features(num: int,
                       dim: int,
                       frames: int,
                       signal: float,
                       device: torch.device,
                       seed: int = 0):
    """Texts ``[N, D]`` and videos ``[N, F, D]``; the frames of video ``i``
    carry ``signal`` times text ``i`` plus unit Gaussian noise."""
    gen = torch.Generator().manual_seed(seed)
    text = torch.randn(num, dim, generator=gen)
    video = signal * text[:, None] + torch.randn(
        num, frames, dim, generator=gen)
    return text.to(device), video.to(device)


@torch.no_grad()
def straightforward_scores(text,
                           video,
                           neck,
                           sampler,
                           num_trials,
                           generator,
                           text_chunk=256,
                           video_chunk=32):
    """docs/method.md §6 as written, block by block: ``[T, V]``."""
    scores = text.new_empty(text.shape[0], video.shape[0])
    for v0 in range(0, video.shape[0], video_chunk):
        videos = video[v0:v0 + video_chunk]
        for t0 in range(0, text.shape[0], text_chunk):
            texts = text[t0:t0 + text_chunk]
            pooled = normalize(neck(texts, videos), dim=-1)  # [Vc, Tc, D]
            radius = sampler.radius(texts, videos)
            best = torch.full(pooled.shape[:2], -torch.inf, device=text.device)
            for _ in range(num_trials):
                eps = sampler.noise(radius.shape, text.device, generator)
                sample = normalize(texts + eps * radius, dim=-1)
                best = torch.maximum(best, (sample * pooled).sum(-1))
            scores[t0:t0 + text_chunk, v0:v0 + video_chunk] = best.T
    return scores


def fast_scores(text, video, neck, sampler, num_trials, seed, noise):
    generator = torch.Generator().manual_seed(seed)
    return score_all_pairs(
        text, video, neck, sampler, num_trials, generator, noise=noise)


def rng_floor(total: int, dim: int, num_trials: int,
              device: torch.device) -> dict:
    """Seconds to draw ``total`` noise values, extrapolated from at most
    2^29 of them: the counter-based generator in the steps faithful mode
    uses, and ``torch.rand``."""
    rows = DEFAULT_CHUNKS[device.type if device.type ==
                          'cpu' else 'gpu'][2] // (
                              num_trials * dim)
    noise = CounterNoise(0, dim, device=device)
    keys = noise.keys(
        torch.arange(rows * num_trials, device=device).view(rows, num_trials))
    work = torch.empty(2, keys.numel() * dim, dtype=torch.int32, device=device)
    repeats = max(1, min(total, 2**29) // work.shape[1])
    floors = {}
    for name, draw in [('counter', lambda: noise.values(keys, work)),
                       ('torch.rand',
                        lambda: work[0].view(torch.float32).uniform_())]:
        draw()
        _, seconds, _ = timed(lambda: [draw() for _ in range(repeats)], device)
        floors[name] = seconds * total / (repeats * work.shape[1])
    return floors


def compare_modes(args, device) -> None:
    """Metrics of both modes over noise seeds, on one synthetic set."""
    num = args.metric_num
    text, video = synthetic_features(
        num, args.dim, args.frames, SIGNAL, device, seed=1)
    neck, sampler = build_model(args.dim, args.frames, device)
    truth = torch.arange(num)
    results = {}
    for noise in ('faithful', 'shared'):
        runs = []
        for seed in range(args.seeds):
            sims = fast_scores(text, video, neck, sampler, args.trials, seed,
                               noise).cpu()
            runs.append(rank_metrics(text_to_video_ranks(sims, truth)))
        results[noise] = {
            key: torch.tensor([run[key] for run in runs], dtype=torch.float64)
            for key in METRICS
        }
    print(f'\nt2v metrics on synthetic data (N = {num}, M = {args.trials}, '
          f'{args.seeds} noise seeds; mean ± std over seeds):')
    print(f'{"metric":>6} {"faithful":>16} {"shared":>16} '
          f'{"shared - faithful":>18} {"within spread":>14}')
    for key in METRICS:
        faithful, shared = results['faithful'][key], results['shared'][key]
        diff = shared.mean() - faithful.mean()
        spread = max(faithful.std(), shared.std())
        print(f'{key:>6} {faithful.mean():9.2f} ± {faithful.std():4.2f} '
              f'{shared.mean():9.2f} ± {shared.std():4.2f} {diff:18.2f} '
              f'{"yes" if abs(diff) <= spread else "NO":>14}')


def main():
    args = parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    num, trials, dim = args.num, args.trials, args.dim
    total = num * num * trials * dim
    print(f'N = {num} texts x {num} videos, M = {trials}, D = {dim}, '
          f'F = {args.frames}, device {device}, '
          f'{torch.get_num_threads()} CPU threads, torch {torch.__version__}, '
          f'load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs')
    if os.getloadavg()[0] > os.cpu_count() - 0.5:
        print('warning: the machine is busy; OpenMP threads that spin while '
              'other processes want the cores make multi-threaded torch '
              'much slower (OMP_WAIT_POLICY=PASSIVE avoids that)')
    neck, sampler = build_model(dim, args.frames, device)
    text, video = synthetic_features(num, dim, args.frames, SIGNAL, device)
    # warm-up: thread pools, kernels and allocator, off the clock
    fast_scores(text[:64], video[:64], neck, sampler, trials, 0, 'faithful')
    rows = {}
    for noise in ('faithful', 'shared'):
        if args.mode in ('all', noise):
            rows[noise] = timed(
                lambda: fast_scores(text, video, neck, sampler, trials, 0,
                                    noise), device)[1:]
    if args.mode in ('all', 'baseline'):
        n = min(num, args.baseline_num)
        generator = torch.Generator(device).manual_seed(0)
        _, seconds, peak = timed(
            lambda: straightforward_scores(text[:n], video[:n], neck, sampler,
                                           trials, generator), device)
        rows[f'baseline (run at N={n}, time x{(num / n)**2:.1f})'] = (
            seconds * (num / n)**2, peak)
    print(f'\n{"implementation":<42} {"wall time":>10} {"peak memory":>12}')
    for name, (seconds, peak) in rows.items():
        print(f'{name:<42} {seconds:9.2f}s {peak / 2**30:10.3f} GB')
    if 'faithful' in rows:
        floors = rng_floor(total, dim, trials, device)
        seconds = rows['faithful'][0]
        print(f'\nrandom-number floor for N*N*M*D = {total:.2e} draws '
              f'(extrapolated): counter generator {floors["counter"]:.2f}s '
              f'(faithful mode takes {seconds / floors["counter"]:.2f}x '
              f'that), torch.rand {floors["torch.rand"]:.2f}s')
    if args.metric_num:
        compare_modes(args, device)
    print(f'\nload average at the end: {os.getloadavg()[0]:.1f}')


if __name__ == '__main__':
    main()
