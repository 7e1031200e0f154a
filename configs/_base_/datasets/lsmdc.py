# LSMDC 2016: training csv, 1,000-clip public test.
# <data_root>/LSMDC16_annos_training.csv,
# LSMDC16_annos_val.csv, LSMDC16_challenge_1000_publictect.csv and
# <data_root>/videos/<movie>/<clip_id>.avi
# Validation (best checkpoint): the official LSMDC16_annos_val.csv (7,408
# clips), disjoint from the test clips.
_base_ = ['./clip_video_pipelines.py']
data_root = 'data/lsmdc'
dataset = dict(type='LSMDCDataset', data_root=data_root, video_root='videos')

train_dataloader = dict(dataset=dict(**dataset, split='train'))
val_dataloader = dict(dataset=dict(**dataset, split='val'))
test_dataloader = dict(dataset=dict(**dataset, split='test'))
