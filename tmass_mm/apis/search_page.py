"""A self-contained HTML page of search results: the query, and per hit
its rank, score, a strip of sampled frames (inline JPEG) and a player."""
import base64
import html
import os.path as osp
from typing import List, Sequence
from urllib.parse import quote

import cv2
import numpy as np

from tmass_mm.datasets.transforms import LoadVideoFrames

THUMB_HEIGHT = 72

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif;
       margin: 0; background: #f3f4f7; color: #1d2330; }
header { background: #1d2330; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 14px; font-weight: 500;
            letter-spacing: .08em; text-transform: uppercase;
            color: #9aa7c0; }
header .query { font-size: 22px; font-weight: 600; }
header .meta { font-size: 13px; color: #9aa7c0; margin-top: 6px; }
main { padding: 18px 28px; display: flex; flex-direction: column;
       gap: 14px; }
.hit { background: #fff; border-radius: 10px; padding: 14px 16px;
       box-shadow: 0 1px 3px rgba(0, 0, 0, .12); display: grid;
       grid-template-columns: 48px minmax(0, 1fr) 120px 200px;
       grid-template-rows: auto 1fr; gap: 8px 18px; align-items: center; }
.rank { grid-area: 1 / 1 / 3 / 2; font-size: 28px; font-weight: 700;
        color: #4a6cf7; text-align: center; }
.title { grid-area: 1 / 2; font-weight: 600; font-size: 14px;
         overflow-wrap: anywhere; }
.title a { color: inherit; text-decoration: none; }
.title a:hover { text-decoration: underline; }
.frames { grid-area: 2 / 2; display: flex; gap: 4px; overflow-x: auto; }
.frames img { height: %dpx; border-radius: 4px; }
.score { grid-area: 1 / 3; font-variant-numeric: tabular-nums;
         font-size: 18px; font-weight: 600; text-align: right; }
.score small { display: block; font-size: 11px; font-weight: 400;
               color: #6b7485; }
.bar { grid-area: 2 / 3; align-self: start; height: 6px;
       border-radius: 3px; background: #e3e7f2; }
.bar span { display: block; height: 100%%; border-radius: 3px;
            background: #4a6cf7; }
video { grid-area: 1 / 4 / 3 / 5; width: 200px; border-radius: 6px;
        background: #000; }
""" % THUMB_HEIGHT


def frame_strip(path: str, num_frames: int) -> List[str]:
    """``num_frames`` frames of the video sampled uniformly, as base64
    JPEG thumbnails ``THUMB_HEIGHT`` pixels high (decoded with the project's
    loader)."""
    frames = LoadVideoFrames(num_frames=num_frames)(dict(video_path=path))
    thumbs = []
    for frame in frames['imgs']:
        height, width = frame.shape[:2]
        size = (max(1, round(width * THUMB_HEIGHT / height)), THUMB_HEIGHT)
        bgr = cv2.resize(
            np.ascontiguousarray(frame[..., ::-1]),
            size,
            interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode('.jpg', bgr, [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            raise RuntimeError(f'cannot encode a thumbnail of {path}')
        thumbs.append(base64.b64encode(jpeg.tobytes()).decode('ascii'))
    return thumbs


def video_url(video: str, page: str) -> str:
    """URL of ``video`` relative to the page's folder."""
    rel = osp.relpath(osp.abspath(video), osp.dirname(osp.abspath(page)))
    return quote(rel.replace(osp.sep, '/'))


def _card(hit: dict, page: str, num_frames: int, best: float,
          worst: float) -> str:
    url = video_url(hit['video'], page)
    span = best - worst
    fill = 100.0 if span <= 0 else 15 + 85 * (hit['score'] - worst) / span
    thumbs = ''.join(
        f'<img alt="frame {i + 1}" src="data:image/jpeg;base64,{data}">'
        for i, data in enumerate(frame_strip(hit['video'], num_frames)))
    name = html.escape(hit['video'])
    return (f'<article class="hit" data-rank="{hit["rank"]}" '
            f'data-video="{name}" data-score="{hit["score"]!r}">'
            f'<div class="rank">{hit["rank"]}</div>'
            f'<div class="title"><a href="{url}">{name}</a></div>'
            f'<video controls preload="metadata" src="{url}"></video>'
            f'<div class="score">{hit["score"]:.4f}<small>T-MASS score'
            f'</small></div>'
            f'<div class="frames">{thumbs}</div>'
            f'<div class="bar"><span style="width:{fill:.1f}%"></span></div>'
            f'</article>')


def write_results_page(path: str,
                       query: str,
                       hits: Sequence[dict],
                       num_frames: int = 6,
                       note: str = '') -> None:
    """Write the page for one query's hits (from the inferencer).

    Args:
        path: the HTML file; video links are relative to its folder.
        query: the sentence searched.
        hits: ``[{'video', 'score', 'rank'}, ...]``, best first.
        num_frames: thumbnails per hit.
        note: a line under the query (e.g. the gallery size).
    """
    scores = [hit['score'] for hit in hits]
    best, worst = (max(scores), min(scores)) if scores else (0.0, 0.0)
    cards = '\n'.join(
        _card(hit, path, num_frames, best, worst) for hit in hits)
    page = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<title>Search: {html.escape(query)}</title>'
            f'<style>{STYLE}</style></head><body>'
            '<header><h1>Text-to-video search</h1>'
            f'<div class="query" id="query">{html.escape(query)}</div>'
            f'<div class="meta">{html.escape(note)}</div></header>'
            f'<main id="results">\n{cards}\n</main></body></html>\n')
    with open(path, 'w', encoding='utf-8') as file:
        file.write(page)
