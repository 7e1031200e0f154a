"""demo/text_to_video_search.py: the printed table, and the HTML page as a
real browser (headless Chromium) renders it."""
import base64
import importlib.util
import os.path as osp
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import cv2
import numpy as np
import pytest

DEMO = Path(__file__).resolve().parents[2] / 'demo' / 'text_to_video_search.py'
QUERY = 'a large blue square moves right along the bottom'
TOPK = 4
FRAMES = 3
CHROMIUM_FLAGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync'
]


def load_demo():
    spec = importlib.util.spec_from_file_location('text_to_video_search', DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ResultCards(HTMLParser):
    """Collects each ``article.hit`` with its data attributes, visible
    score text, thumbnails and video source."""

    def __init__(self):
        super().__init__()
        self.cards, self.in_score = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'article' and 'hit' in attrs.get('class', '').split():
            self.cards.append(dict(attrs, score_text='', images=[]))
        elif not self.cards:
            return
        elif tag == 'div' and attrs.get('class') == 'score':
            self.in_score = True
        elif tag == 'small':
            self.in_score = False
        elif tag == 'img':
            self.cards[-1]['images'].append(attrs['src'])
        elif tag == 'video':
            self.cards[-1]['video_src'] = attrs['src']

    def handle_data(self, data):
        if self.in_score:
            self.cards[-1]['score_text'] += data.strip()


@pytest.fixture
def chromium():
    path = shutil.which('chromium') or shutil.which('chromium-browser')
    if path is None:
        pytest.skip('Chromium is not installed (Debian package chromium; '
                    '.ci/run installs it)')
    return path


def run_chromium(chromium, tmp_path, *args) -> str:
    done = subprocess.run([
        chromium, *CHROMIUM_FLAGS, f'--user-data-dir={tmp_path / "chr"}', *args
    ],
                          capture_output=True,
                          text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_demo_table_and_page_in_a_browser(search_files, gallery_dir, tmp_path,
                                          capsys, chromium):
    page = tmp_path / 'results.html'
    hits = load_demo().main([
        search_files['config'], search_files['checkpoint'], '--videos',
        str(gallery_dir), '--query', QUERY, '--topk',
        str(TOPK), '--shortlist', '3', '--html',
        str(page), '--frames',
        str(FRAMES)
    ])
    assert len(hits) == 3  # the shortlist bounds the hits
    table = capsys.readouterr().out.splitlines()
    rows = [
        line.split()
        for line in table[table.index(f'query: {QUERY}') + 2:][:len(hits)]
    ]
    assert [(int(r), float(s), v) for r, s, v in rows] == [
        (hit['rank'], round(hit['score'], 4), hit['video']) for hit in hits
    ]

    dom = run_chromium(chromium, tmp_path, '--dump-dom', page.as_uri())
    assert QUERY in dom
    parser = ResultCards()
    parser.feed(dom)
    cards = parser.cards
    assert [int(card['data-rank']) for card in cards] == [1, 2, 3]
    assert [card['data-video'] for card in cards] == \
        [hit['video'] for hit in hits]
    assert [float(card['data-score']) for card in cards] == \
        [hit['score'] for hit in hits]
    shown = [float(card['score_text']) for card in cards]
    assert shown == sorted(shown, reverse=True)
    assert shown == [round(hit['score'], 4) for hit in hits]
    for card in cards:
        assert len(card['images']) == FRAMES
        for src in card['images']:
            prefix = 'data:image/jpeg;base64,'
            assert src.startswith(prefix)
            jpeg = np.frombuffer(base64.b64decode(src[len(prefix):]), np.uint8)
            assert cv2.imdecode(jpeg, cv2.IMREAD_COLOR).shape[0] == 72
        target = osp.join(tmp_path, unquote(card['video_src']))
        assert osp.samefile(target, card['data-video'])

    shot = tmp_path / 'results.png'
    run_chromium(chromium, tmp_path, f'--screenshot={shot}',
                 '--window-size=1100,800', page.as_uri())
    assert shot.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
