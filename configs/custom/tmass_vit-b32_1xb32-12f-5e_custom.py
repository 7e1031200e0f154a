# T-MASS, ViT-B/32, fine-tuned on your own captioned videos
# (docs/own_videos.md). Everything comes from one annotation file read by
# VideoTextDataset (JSON list, JSON lines or csv) whose entries carry a
# "split" of 'train', 'val' or 'test':
#
#   <data_root>/annotations.json     e.g. {"video": "cats/c1.mp4",
#                                          "caption": "a cat jumps",
#                                          "split": "train"}
#   <data_root>/videos/cats/c1.mp4   (paths in the file are relative to
#                                     <data_root>/videos)
#
# Copy this file and set `data_root` and `ann_file` below (top-level
# variables are substituted when the config is parsed, so overriding them
# on the command line does not reach the datasets).
_base_ = [
    '../_base_/models/tmass_vit-b32.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_cosine_5e.py',
    '../_base_/datasets/clip_video_pipelines.py'
]

data_root = 'data/my_videos'
ann_file = 'annotations.json'
dataset = dict(
    type='VideoTextDataset',
    data_root=data_root,
    ann_file=ann_file,
    video_root='videos')
train_dataloader = dict(dataset=dict(**dataset, split='train'))
# the best checkpoint is chosen on 'val'; 'test' is only scored at the end
val_dataloader = dict(dataset=dict(**dataset, split='val'))
test_dataloader = dict(dataset=dict(**dataset, split='test'))

# the MSR-VTT recipe's settings (docs/method.md §8): new modules at 3e-5,
# CLIP at 1e-6, support-text loss weight 0.8
model = dict(head=dict(support_weight=0.8))
optim_wrapper = dict(
    optimizer=dict(lr=3e-5),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1e-6 / 3e-5)}))
