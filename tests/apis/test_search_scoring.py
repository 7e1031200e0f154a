"""The shortlist stage of two-stage search on hand-made numbers."""
import torch

from tmass_mm.apis.search_scoring import (cheap_scores, rows_that_may_enter,
                                          shortlist)

CHEAP = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.5, 0.1])


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
    # excess -0.4, -0.2, -0.3: lift = -0.2 + 0.5 * (-0.2 + 0.3) = -0.15;
    # best 0.6; bound 0.75: rows 3..5 (cheap <= 0.6) cannot reach it
    rows, scores = torch.tensor([0, 1, 2]), torch.tensor([0.5, 0.6, 0.4])
    assert rows_that_may_enter(CHEAP, rows, scores, k=1).tolist() == []


def test_rows_within_the_lift_of_the_kth_score_may_enter():
    # excess -0.6, 0.05, 0.0: lift = 0.05 + 0.5 * 0.05 = 0.075
    rows, scores = torch.tensor([0, 1, 2]), torch.tensor([0.3, 0.85, 0.7])
    # the 3rd best is 0.3: every row with cheap >= 0.225, best cheap first
    assert rows_that_may_enter(CHEAP, rows, scores, k=3).tolist() == [3, 4]
    # the 2nd best is 0.7: bound 0.625 leaves out row 3 (0.6)
    assert rows_that_may_enter(CHEAP, rows, scores, k=2).tolist() == []
    # rows scored in any order are never returned; excess 0.3, -0.7, 0.0:
    # lift 0.3 + 0.5 * 0.3 = 0.45
    rows, scores = torch.tensor([3, 0, 4]), torch.tensor([0.9, 0.2, 0.5])
    # top 1 (0.9): bound 0.45, rows 1 and 2
    assert rows_that_may_enter(CHEAP, rows, scores, k=1).tolist() == [1, 2]
    # top 2 (0.5): bound 0.05, every other row
    assert rows_that_may_enter(CHEAP, rows, scores, k=2).tolist() == [1, 2, 5]
