"""The shortlist stage of two-stage search on hand-made numbers."""
import torch

from tmass_mm.apis.search_scoring import (cheap_scores, rows_that_may_enter,
                                          shortlist)

CHEAP = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.1])


def test_cheap_scores_are_the_cosine_with_unit_means():
    means = torch.tensor([[1.0, 0.0], [0.6, 0.8], [0.0, -1.0]])
    text = torch.tensor([3.0, 4.0])  # unit: [0.6, 0.8]
    torch.testing.assert_close(
        cheap_scores(text, means), torch.tensor([0.6, 1.0, -0.8]))
    assert cheap_scores(text, means.half()).dtype == torch.float32


def test_shortlist_is_the_best_cheap_scores_in_gallery_order():
    cheap = torch.tensor([0.2, 0.9, 0.1, 0.5, 0.7])
    assert shortlist(cheap, 3).tolist() == [1, 3, 4]
    assert shortlist(cheap, 10).tolist() == [0, 1, 2, 3, 4]


def test_nothing_may_enter_when_the_lift_cannot_reach_the_kth_score():
    # lift = max(0.5 - 0.9, 0.6 - 0.8) = -0.2; best 0.6; bound 0.8: rows
    # 2..4 (cheap <= 0.7) cannot reach it
    rows, scores = torch.tensor([0, 1]), torch.tensor([0.5, 0.6])
    assert rows_that_may_enter(CHEAP, rows, scores, k=1).tolist() == []


def test_rows_within_the_lift_of_the_kth_score_may_enter():
    # lift = max(0.3 - 0.9, 0.85 - 0.8) = 0.05; the 2nd best is 0.3, so
    # every row with cheap >= 0.25 may enter, best cheap first
    rows, scores = torch.tensor([0, 1]), torch.tensor([0.3, 0.85])
    assert rows_that_may_enter(CHEAP, rows, scores, k=2).tolist() == [2, 3]
    # for the top 1 only (0.85): bound 0.8, nothing left
    assert rows_that_may_enter(CHEAP, rows, scores, k=1).tolist() == []
    # rows scored in any order are never returned; lift 0.9 - 0.6 = 0.3,
    # 2nd best 0.2: bound -0.1 lets every other row in
    rows, scores = torch.tensor([3, 0]), torch.tensor([0.9, 0.2])
    assert rows_that_may_enter(CHEAP, rows, scores, k=2).tolist() == [1, 2, 4]
    # the top 1 (0.9) with that lift: bound 0.6, rows 1 and 2
    assert rows_that_may_enter(CHEAP, rows, scores, k=1).tolist() == [1, 2]
