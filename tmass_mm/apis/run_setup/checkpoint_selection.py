"""Which checkpoint a run keeps as its result, and the public practice of
choosing it on the test split.

Recipes validate on data disjoint from their test split (or not at all, in
which case the last epoch is the result). ``select_on_test=True`` in the
config (e.g. ``--cfg-options select_on_test=True``) reproduces the public
code instead: the test split becomes the validation set and the best
checkpoint by test R@1 is kept, an optimistic bias the log warns about.
"""
import copy
import logging

from mmengine.logging import print_log

BEST_METRIC = 'retrieval/t2v/R1'
SELECT_ON_TEST_WARNING = (
    'select_on_test=True: the best checkpoint is chosen by t2v R@1 on the '
    'TEST split, as the public T-MASS code does. Its test numbers are '
    'optimistically biased; report them as such.')


def apply_selection_policy(cfg) -> None:
    """With ``cfg.select_on_test``, validate on the test split and keep the
    best checkpoint by its t2v R@1 (logs a warning); otherwise leave the
    recipe's own validation as it is."""
    if not cfg.get('select_on_test'):
        return
    print_log(SELECT_ON_TEST_WARNING, logger='current', level=logging.WARNING)
    cfg.val_dataloader = copy.deepcopy(cfg.test_dataloader)
    cfg.val_evaluator = copy.deepcopy(cfg.test_evaluator)
    cfg.val_cfg = cfg.get('val_cfg') or dict(type='RetrievalValLoop')
    cfg.default_hooks.checkpoint.update(save_best=BEST_METRIC, rule='greater')


def selected_checkpoint(runner) -> str:
    """The file a finished training run selected: the best checkpoint by
    validation when the run kept one, else the last one saved."""
    hub = runner.message_hub
    path = hub.get_info('best_ckpt') or hub.get_info('last_ckpt')
    if not path:
        raise RuntimeError(
            'no checkpoint was saved during training, so --test has nothing '
            'to evaluate; keep default_hooks.checkpoint enabled.')
    return path


def evaluate_selected_checkpoint(runner) -> dict:
    """Load :func:`selected_checkpoint` into the trained model, say which
    file it is, and evaluate it on the test split once."""
    path = selected_checkpoint(runner)
    print_log(
        f'--test: evaluating the selected checkpoint {path}', logger='current')
    runner.load_checkpoint(path, strict=True)
    return runner.test()
