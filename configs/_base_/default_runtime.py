# Runtime shared by every T-MASS recipe.
default_scope = 'tmass_mm'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keeps the last checkpoint and the best one by text->video R@1 on the
    # validation split, which never is the test split (recipes without a
    # validation split set save_best=None and keep the last epoch)
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=1,
        save_best='retrieval/t2v/R1',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
custom_hooks = [
    # CLIP's logit_scale <= ln(100) after every optimiser step
    dict(type='ClampLogitScaleHook'),
    # an epoch's randomness depends on seed + epoch only (exact resume)
    dict(type='EpochSeedHook'),
    # logs how many training videos on_error='skip' left out each epoch
    dict(type='ReportSkippedVideosHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)
log_level = 'INFO'
# True reproduces the public code's practice: validate on the TEST split and
# keep the best checkpoint by its R@1 (optimistic; tools/train.py warns).
select_on_test = False
load_from = None
resume = False
randomness = dict(seed=24)
