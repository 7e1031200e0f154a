# DiDeMo paragraph retrieval: all sentences of a video joined, whole clip.
# <data_root>/{train,val,test}_data.json, {train,val,test}_list.txt and
# <data_root>/videos/<file name with its own extension>
# Validation (best checkpoint): the official val split (val_data.json,
# val_list.txt: 1,065 videos), disjoint from the test videos.
_base_ = ['./clip_video_pipelines.py']
data_root = 'data/didemo'
dataset = dict(type='DiDeMoDataset', data_root=data_root, video_root='videos')

train_dataloader = dict(dataset=dict(**dataset, split='train'))
val_dataloader = dict(dataset=dict(**dataset, split='val'))
test_dataloader = dict(dataset=dict(**dataset, split='test'))
