# Frame sampling and CLIP image ops (docs/method.md §1), for every benchmark.
num_frames = 12
image_size = 224

train_pipeline = [
    dict(
        type='LoadVideoFrames',
        num_frames=num_frames,
        sampling='uniform',
        backend='auto'),
    dict(type='RandomResizedCropFrames', size=image_size, scale=(0.5, 1.0)),
    dict(type='FlipFrames', flip_ratio=0.5),
    dict(type='TokenizeTexts', model_name='ViT-B-32', context_length=77),
    dict(type='PackRetrievalInputs'),
]
test_pipeline = [
    dict(
        type='LoadVideoFrames',
        num_frames=num_frames,
        sampling='uniform',
        backend='auto'),
    dict(type='ResizeShortSide', size=image_size, interpolation='bicubic'),
    dict(type='CenterCropFrames', size=image_size),
    dict(type='TokenizeTexts', model_name='ViT-B-32', context_length=77),
    dict(type='PackRetrievalInputs'),
]

# the dataset base files add the dataset's type, root and split to these
train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    # workers restart each epoch, seeded from the main process (reseeded
    # per epoch by EpochSeedHook): fresh augmentations every epoch, and the
    # same ones after --resume
    persistent_workers=False,
    worker_init_fn=dict(type='tmass_mm.seed_worker_from_torch'),
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
