"""TextToVideoRetrievalInferencer: its features and scores against
independent computations, keyed noise, two-stage search and bad input."""
import pytest
import torch
from search_fixtures import NUM_VIDEOS, search_config
from torch.nn.functional import cosine_similarity

from tmass_mm.apis import TextToVideoRetrievalInferencer
from tmass_mm.apis.gallery_ranking import WIDEN_LIMIT
from tmass_mm.apis.search_scoring import LIFT_MARGIN
from tmass_mm.models import stable_key

QUERIES = ['a red square moves right', 'a blue square on a grey background']


@pytest.fixture
def search(search_files, gallery_dir):
    return TextToVideoRetrievalInferencer(
        search_files['config'],
        search_files['checkpoint'],
        gallery=str(gallery_dir),
        progress=False)


def test_gallery_features_are_the_backbone_on_the_test_pipeline(search):
    videos = search.features.videos
    assert len(videos) == NUM_VIDEOS == search.report['encoded']
    assert [v.key for v in videos] == sorted(v.key for v in videos)
    model = search.model
    for row in (0, NUM_VIDEOS - 1):
        packed = search.pipeline(
            dict(
                video_path=videos[row].path,
                video_id='x',
                video_index=0,
                texts=['x'],
                text_indices=[0]))
        imgs = packed['inputs']['imgs'][None].float()
        imgs = (imgs - model.data_preprocessor.mean) / \
            model.data_preprocessor.std
        with torch.no_grad():
            expected = model.backbone.encode_video(imgs)[0]
        torch.testing.assert_close(
            search.features.frames[row].float(),
            expected,
            atol=2e-3,
            rtol=1e-3)
        mean = expected.mean(0)
        torch.testing.assert_close(
            search.features.means[row].float(),
            mean / mean.norm(),
            atol=2e-3,
            rtol=1e-3)


def test_noise_free_scores_equal_the_neck_cosine(search_files, gallery_dir,
                                                 tmp_path):
    """With eps == 0 every trial is cos(t, p(v | t)): computed here with
    the neck's own forward, pair by pair."""
    config = tmp_path / 'noise_free.py'
    config.write_text(search_config() + (
        "model['head']['sampler'].update(prior='normal', prior_std=0.0)\n"))
    search = TextToVideoRetrievalInferencer(
        str(config),
        search_files['checkpoint'],
        gallery=str(gallery_dir),
        progress=False)
    hits = search(QUERIES, topk=NUM_VIDEOS, exhaustive=True)
    text = search.encode_text(QUERIES)
    paths = [v.path for v in search.features.videos]
    for q, query_hits in enumerate(hits):
        for hit in query_hits:
            frames = search.features.frames[paths.index(hit['video'])]
            with torch.no_grad():
                pooled = search.model.neck(text[q:q + 1],
                                           frames[None].float())[0, 0]
            expected = cosine_similarity(text[q], pooled, dim=0)
            assert hit['score'] == pytest.approx(float(expected), abs=1e-5)
        assert [h['rank']
                for h in query_hits] == list(range(1, NUM_VIDEOS + 1))
        scores = [h['score'] for h in query_hits]
        assert scores == sorted(scores, reverse=True)


def test_each_score_is_its_pair_scored_alone(search):
    """Keyed noise: a pair scored on its own (its two keys, the seed) gets
    the score of the full ranking; the noise really is there."""
    hits = search(QUERIES, topk=NUM_VIDEOS, exhaustive=True)
    text = search.encode_text(QUERIES)
    paths = [v.path for v in search.features.videos]
    head, neck = search.model.head, search.model.neck
    for q, query in enumerate(QUERIES):
        for hit in hits[q]:
            video = search.features.videos[paths.index(hit['video'])]
            frames = search.features.frames[paths.index(hit['video'])]
            alone = head.predict_scores(
                text[q:q + 1],
                frames[None].float(),
                neck,
                seed=search.seed,
                text_keys=torch.tensor([stable_key(query)]),
                video_keys=torch.tensor([stable_key(video.key)]))
            assert hit['score'] == pytest.approx(float(alone), abs=1e-6)
    other_seed = search(QUERIES[0], topk=NUM_VIDEOS, exhaustive=True, seed=9)
    assert {h['video']: h['score'] for h in other_seed} != \
        {h['video']: h['score'] for h in hits[0]}
    # alone or beside another query: the same ranking, the same scores up
    # to float rounding (batches of other shapes sum in another order)
    again = search(QUERIES[0], topk=NUM_VIDEOS, exhaustive=True)
    assert [h['video'] for h in again] == [h['video'] for h in hits[0]]
    assert [h['score']
            for h in again] == pytest.approx([h['score'] for h in hits[0]],
                                             abs=1e-6)


def test_two_stage_scores_its_shortlist_exactly(search):
    exhaustive = search(QUERIES, topk=NUM_VIDEOS, exhaustive=True)
    text = search.encode_text(QUERIES)
    for q, query in enumerate(QUERIES):
        hits = search(query, topk=NUM_VIDEOS, shortlist=3)
        # as many hits as the shortlist: not widened, exactly the 3 videos
        # nearest the query by mean frame
        means = search.features.means.float()
        sims = cosine_similarity(text[q][None], means)
        nearest = {
            search.features.videos[i].path
            for i in sims.topk(3).indices.tolist()
        }
        assert {h['video'] for h in hits} == nearest
        assert search.ranker.last_scored == [3]
        full = {h['video']: h['score'] for h in exhaustive[q]}
        for hit in hits:
            assert hit['score'] == pytest.approx(full[hit['video']], abs=1e-6)
        # a shortlist as large as the gallery is the exhaustive ranking
        whole = search(query, topk=4, shortlist=NUM_VIDEOS)
        assert [h['video'] for h in whole] == \
            [h['video'] for h in exhaustive[q][:4]]


def test_widened_shortlist_keeps_no_video_that_may_enter_outside(search):
    """With fewer hits than the shortlist, the videos scored are the ``n``
    nearest by mean frame feature, and none left out could reach the top
    ``k`` with the lift (largest excess of exact over cheap score seen on
    them, plus the margin)."""
    exhaustive = search(QUERIES, topk=NUM_VIDEOS, exhaustive=True)
    text = search.encode_text(QUERIES)
    cheap = cosine_similarity(
        text[:, None], search.features.means.float()[None], dim=-1)
    widened = []
    for q, query in enumerate(QUERIES):
        for k, size in ((1, 2), (2, 3)):
            hits = search(query, topk=k, shortlist=size)
            scored = search.ranker.last_scored[0]
            assert size <= scored <= NUM_VIDEOS
            widened.append(scored > size)
            rows = cheap[q].topk(scored).indices.tolist()
            full = {h['video']: h['score'] for h in exhaustive[q]}
            exact = torch.tensor(
                [full[search.features.videos[r].path] for r in rows])
            best = exact.topk(k)
            assert [h['video'] for h in hits] == \
                [search.features.videos[rows[i]].path for i in best.indices]
            assert [h['score'] for h in hits] == \
                pytest.approx(best.values.tolist(), abs=1e-6)
            excess = exact - cheap[q, rows]
            lift = excess.max() + LIFT_MARGIN * (
                excess.max() - excess.median())
            outside = [r for r in range(NUM_VIDEOS) if r not in rows]
            assert all(cheap[q, r] < best.values[-1] - lift for r in outside)
            # widen_limit 1: the plain shortlist
            search.ranker.widen_limit = 1
            search(query, topk=k, shortlist=size)
            assert search.ranker.last_scored == [size]
            search.ranker.widen_limit = WIDEN_LIMIT
    assert any(widened)  # these fixtures do widen one of the shortlists


def test_unreadable_video_is_left_out_and_reported(search_files, gallery_dir):
    broken = gallery_dir / 'broken.mp4'
    broken.write_bytes(b'not a video at all' * 50)
    search = TextToVideoRetrievalInferencer(
        search_files['config'],
        search_files['checkpoint'],
        gallery=str(gallery_dir),
        progress=False)
    assert search.report['videos'] == NUM_VIDEOS + 1
    assert search.report['encoded'] == NUM_VIDEOS
    [(path, reason)] = search.report['failed']
    assert path == str(broken) and 'broken.mp4' in reason
    hits = search(QUERIES[0], topk=NUM_VIDEOS + 1, exhaustive=True)
    assert len(hits) == NUM_VIDEOS
    assert str(broken) not in {h['video'] for h in hits}


def test_bad_input_is_a_clear_error(search, search_files, tmp_path):
    with pytest.raises(ValueError, match='query 1 is empty'):
        search(['a square', '  '])
    with pytest.raises(ValueError, match='no query'):
        search([])
    with pytest.raises(ValueError, match='topk'):
        search('a square', topk=0)
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(ValueError, match='the gallery is empty'):
        TextToVideoRetrievalInferencer(
            search_files['config'],
            search_files['checkpoint'],
            gallery=str(empty),
            progress=False)
    with pytest.raises(ValueError, match='no readable video'):
        bad = tmp_path / 'bad.mp4'
        bad.write_bytes(b'junk')
        TextToVideoRetrievalInferencer(
            search_files['config'],
            search_files['checkpoint'],
            gallery=[str(bad)],
            progress=False)


def test_dataset_config_gallery(search_files, tmp_path):
    """A dataset config contributes each of its videos once."""
    gallery = dict(
        type='SyntheticShapesDataset',
        data_root=str(tmp_path / 'shapes'),
        split='test',
        num_videos=4,
        captions_per_video=1,
        frame_size=32,
        frames_per_video=4,
        fps=8.0,
        seed=0)
    search = TextToVideoRetrievalInferencer(
        search_files['config'],
        search_files['checkpoint'],
        gallery=gallery,
        progress=False)
    assert search.report['encoded'] == 4
    hits = search(QUERIES[0], topk=10)
    assert len({hit['video'] for hit in hits}) == 4
    assert all(hit['video'].startswith(str(tmp_path / 'shapes'))
               for hit in hits)
