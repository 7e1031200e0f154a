"""The gallery cache: incremental updates re-encode exactly the added and
changed videos, a cache of another model or pipeline is not used, and the
file is read weights-only."""
import os

import pytest
import torch
from search_fixtures import NUM_VIDEOS, save_tiny_checkpoint, write_video

import tmass_mm.apis.retrieval_inferencer as inferencer_module
from tmass_mm.apis import TextToVideoRetrievalInferencer

QUERY = 'a green square moves right along the middle'


@pytest.fixture
def encoded_paths(monkeypatch):
    """Records the paths of every video handed to the encoder."""
    paths = []
    encode = inferencer_module.encode_videos

    def spy(model, pipeline, videos, **kwargs):
        paths.extend(video.path for video in videos)
        return encode(model, pipeline, videos, **kwargs)

    monkeypatch.setattr(inferencer_module, 'encode_videos', spy)
    return paths


def open_search(files, gallery, cache, config=None, checkpoint=None):
    return TextToVideoRetrievalInferencer(
        config or files['config'],
        checkpoint or files['checkpoint'],
        gallery=str(gallery),
        gallery_cache=str(cache),
        progress=False)


def scores_by_video(search) -> dict:
    hits = search(QUERY, topk=100, exhaustive=True)
    return {hit['video']: hit['score'] for hit in hits}


def test_incremental_update_encodes_only_new_and_changed_videos(
        search_files, gallery_dir, tmp_path, encoded_paths):
    cache = tmp_path / 'gallery.pth'
    first = open_search(search_files, gallery_dir, cache)
    assert cache.is_file() and first.report['encoded'] == NUM_VIDEOS
    before = scores_by_video(first)
    encoded_paths.clear()

    again = open_search(search_files, gallery_dir, cache)
    assert encoded_paths == []
    assert again.report['cached'] == NUM_VIDEOS
    assert scores_by_video(again) == before

    added = [write_video(gallery_dir / f'new{i}.mp4', 6 + i) for i in (0, 1)]
    changed = gallery_dir / 'clip1.mp4'
    write_video(changed, 7, num_frames=10)  # other content and size
    removed = gallery_dir / 'clip2.mp4'
    removed.unlink()
    grown = open_search(search_files, gallery_dir, cache)
    assert sorted(encoded_paths) == sorted(map(str, added + [changed]))
    assert grown.report == dict(
        videos=NUM_VIDEOS + 1,
        cached=NUM_VIDEOS - 2,
        encoded=3,
        removed=1,
        failed=[])
    after = scores_by_video(grown)
    assert str(removed) not in after
    unchanged = set(before) - {str(changed), str(removed)}
    assert len(unchanged) == NUM_VIDEOS - 2
    # the keyed noise: the gallery grew, their scores did not move (up to
    # float rounding: the scorer's blocks now hold other videos)
    for video in unchanged:
        assert after[video] == pytest.approx(before[video], abs=1e-6)

    encoded_paths.clear()
    touched = gallery_dir / 'clip0.mp4'
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    open_search(search_files, gallery_dir, cache)
    assert encoded_paths == [str(touched)]


def test_cache_of_another_model_or_pipeline_is_not_used(
        search_files, gallery_dir, tmp_path, encoded_paths):
    cache = tmp_path / 'gallery.pth'
    open_search(search_files, gallery_dir, cache)
    encoded_paths.clear()
    other_weights = save_tiny_checkpoint(tmp_path / 'other.pth', seed=1)
    other = open_search(
        search_files, gallery_dir, cache, checkpoint=str(other_weights))
    assert len(encoded_paths) == NUM_VIDEOS
    assert other.report['cached'] == 0
    encoded_paths.clear()
    config = tmp_path / 'pyav_cfg.py'
    config.write_text(
        open(search_files['config']).read().replace("'decord'", "'pyav'"))
    open_search(search_files, gallery_dir, cache, config=str(config))
    assert len(encoded_paths) == NUM_VIDEOS
    encoded_paths.clear()
    open_search(search_files, gallery_dir, cache, config=str(config))
    assert encoded_paths == []


class _RunsCodeWhenUnpickled:
    ran = []

    def __reduce__(self):
        return (_RunsCodeWhenUnpickled.ran.append, ('unpickled', ))


def test_cache_is_read_weights_only(search_files, gallery_dir, tmp_path,
                                    encoded_paths):
    cache = tmp_path / 'gallery.pth'
    torch.save(
        dict(format='tmass_mm.gallery_cache/1', x=_RunsCodeWhenUnpickled()),
        cache)
    search = open_search(search_files, gallery_dir, cache)
    assert _RunsCodeWhenUnpickled.ran == []
    assert len(encoded_paths) == NUM_VIDEOS
    assert search.report['cached'] == 0
    # the unreadable file was replaced by a valid cache
    data = torch.load(cache, weights_only=True)
    assert len(data['keys']) == NUM_VIDEOS
    assert data['frames'].dtype == torch.float16
