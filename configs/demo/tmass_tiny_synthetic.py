# The bundled demo: T-MASS with a tiny CLIP trained from scratch on
# synthetic moving-shape videos, generated on first use. Nothing to download;
# on 2 CPU cores it trains, validates every epoch and tests in a few minutes.
#
#   python tools/train.py configs/demo/tmass_tiny_synthetic.py
#
# Videos: one shape (circle / square / triangle; red / green / blue / yellow;
# small / large) crossing a black or white frame along the top, through the
# middle or along the bottom; captions name all of these, e.g. "a small red
# circle moves left along the top on a black background". The direction of
# travel is in the captions but the model cannot see it (frames are pooled
# without order), so the test gallery never depends on it. See
# tmass_mm/demo/shape_scenes.py. Each split is written as .mp4 files plus a
# VideoTextDataset annotation file (<data_root>/<split>/annotations.json),
# the format of docs/own_videos.md, and read back like your own videos.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_cosine_5e.py',
    '../_base_/models/tmass_vit-b32.py',
    '../_base_/datasets/clip_video_pipelines.py',
]

# The generated videos go here, relative to the working directory, like
# MMEngine's default work dir. `--work-dir` does NOT move them; to put them
# elsewhere override `data_root` of the three datasets, e.g.
#   --cfg-options train_dataloader.dataset.data_root=DIR \
#       val_dataloader.dataset.data_root=DIR \
#       test_dataloader.dataset.data_root=DIR
# Existing files are reused as long as the generation parameters match.
data_root = './work_dirs/tmass_tiny_synthetic/synthetic_shapes'
data_seed = 0
num_train_videos = 432  # 3 renderings of each of the 144 combinations
num_test_videos = 96  # val and test galleries; all combinations distinct,
# so every caption has one right answer: chance t2v R@1 = 100/96 %

num_frames = 4  # frames per clip (F); the files have 16
image_size = 32  # frames are rendered at 64 px and resized
context_length = 20  # the longest caption has 17 tokens (a test checks)
embed_dim = 64  # D

# --- model: a tiny CLIP from scratch, X-Pool neck, T-MASS head ------------
tiny_clip = dict(
    embed_dim=embed_dim,
    vision_cfg=dict(
        image_size=image_size, patch_size=8, layers=2, width=64,
        head_width=32),
    # vocab_size must stay 49408: open_clip's BPE tokenizer
    text_cfg=dict(
        context_length=context_length,
        vocab_size=49408,
        width=64,
        heads=2,
        layers=2))
model = dict(
    backbone=dict(model_cfg=tiny_clip, pretrained=None),
    neck=dict(embed_dim=embed_dim, dropout=0.1),
    head=dict(
        sampler=dict(radius=dict(num_frames=num_frames, embed_dim=embed_dim)),
        support_weight=0.8,
        num_trials=20))

# --- data: generated mp4s, decoded with decord -------------------------------
dataset_type = 'SyntheticShapesDataset'
generation = dict(
    data_root=data_root,
    seed=data_seed,
    frame_size=64,
    frames_per_video=16,
    fps=8.0)
# No flip and no strong crop: "left"/"right" and the edges are in captions.
train_pipeline = [
    dict(
        type='LoadVideoFrames',
        num_frames=num_frames,
        sampling='rand',
        backend='auto'),
    dict(type='ResizeShortSide', size=image_size),
    dict(type='CenterCropFrames', size=image_size),
    dict(type='TokenizeTexts', context_length=context_length),
    dict(type='PackRetrievalInputs'),
]
test_pipeline = [
    dict(
        type='LoadVideoFrames',
        num_frames=num_frames,
        sampling='uniform',
        backend='auto'),
    dict(type='ResizeShortSide', size=image_size),
    dict(type='CenterCropFrames', size=image_size),
    dict(type='TokenizeTexts', context_length=context_length),
    dict(type='PackRetrievalInputs'),
]
# batch size, samplers, worker seeding and test_mode come from the base
train_dataloader = dict(
    num_workers=1,  # 2 cores: one decodes while the main process trains
    dataset=dict(
        type=dataset_type,
        split='train',
        num_videos=num_train_videos,
        captions_per_video=2,
        pipeline=train_pipeline,
        **generation))
gallery = dict(
    type=dataset_type,
    num_videos=num_test_videos,
    captions_per_video=1,
    pipeline=test_pipeline,
    **generation)
val_dataloader = dict(
    batch_size=32, num_workers=1, dataset=dict(**gallery, split='val'))
# a gallery of its own: the best checkpoint is chosen on 'val', not on it
test_dataloader = dict(
    batch_size=32, num_workers=1, dataset=dict(**gallery, split='test'))

# --- schedule: everything from scratch at one lr -----------------------------
max_epochs = 12
warmup_epochs = 1
lr = 1e-3
optim_wrapper = dict(
    optimizer=dict(lr=lr, weight_decay=0.05),
    # one lr for all: the CLIP is trained from scratch, not fine-tuned
    paramwise_cfg=dict(_delete_=True))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-2,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=lr * 1e-2,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)

# --- runtime: progress every few iterations ----------------------------------
default_hooks = dict(logger=dict(interval=6))
log_processor = dict(window_size=6)
auto_scale_lr = dict(base_batch_size=32)
work_dir = './work_dirs/tmass_tiny_synthetic'
