#!/usr/bin/env python3
"""Builds the evaluation fixtures in test/fixtures/eval and their reference numbers.

COCO numbers come from pycocotools' own COCOeval (pip install pycocotools numpy); VOC numbers
from voc_ap / voc_eval as py-faster-rcnn writes them (lib/datasets/voc_eval.py), transcribed
below, with one change: detections are sorted with a stable sort (the original's
np.argsort(-confidence) leaves the order of equal scores to the sort algorithm). Crowd boxes (any
truthy iscrowd, which pycocotools ignores) count as VOC `difficult`; `difficult` itself is read as
Shotbox reads it (voc_difficult). The test (test/integration/cli/evalReference.test.ts) needs no Python: it reads
the committed files.

Run: python3 scripts/make-eval-reference.py
"""
import contextlib
import io
import json
import os
import random
import re

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'eval')
KEYS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl']


# --- VOC reference (py-faster-rcnn voc_eval.py) -------------------------------------------------

def voc_ap(rec, prec, use_07_metric=False):
    if use_07_metric:
        ap = 0.
        for t in np.arange(0., 1.1, 0.1):
            if np.sum(rec >= t) == 0:
                p = 0
            else:
                p = np.max(prec[rec >= t])
            ap = ap + p / 11.
    else:
        mrec = np.concatenate(([0.], rec, [1.]))
        mpre = np.concatenate(([0.], prec, [0.]))
        for i in range(mpre.size - 1, 0, -1):
            mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])
        i = np.where(mrec[1:] != mrec[:-1])[0]
        ap = np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])
    return ap


def voc_eval(recs, dets, classname, ovthresh=0.5, use_07_metric=False):
    """recs: image -> [{'name', 'bbox' (x1 y1 x2 y2), 'difficult'}]; dets: [(image, score, bbox)]."""
    class_recs = {}
    npos = 0
    for imagename, objs in recs.items():
        R = [obj for obj in objs if obj['name'] == classname]
        bbox = np.array([x['bbox'] for x in R]).reshape(-1, 4)
        difficult = np.array([x['difficult'] for x in R]).astype(bool)
        det = [False] * len(R)
        npos = npos + sum(~difficult)
        class_recs[imagename] = {'bbox': bbox, 'difficult': difficult, 'det': det}
    image_ids = [x[0] for x in dets]
    confidence = np.array([x[1] for x in dets], dtype=float)
    BB = np.array([x[2] for x in dets], dtype=float).reshape(-1, 4)
    sorted_ind = np.argsort(-confidence, kind='mergesort')
    BB = BB[sorted_ind, :]
    image_ids = [image_ids[x] for x in sorted_ind]
    nd = len(image_ids)
    tp = np.zeros(nd)
    fp = np.zeros(nd)
    for d in range(nd):
        R = class_recs[image_ids[d]]
        bb = BB[d, :].astype(float)
        ovmax = -np.inf
        BBGT = R['bbox'].astype(float)
        if BBGT.size > 0:
            ixmin = np.maximum(BBGT[:, 0], bb[0])
            iymin = np.maximum(BBGT[:, 1], bb[1])
            ixmax = np.minimum(BBGT[:, 2], bb[2])
            iymax = np.minimum(BBGT[:, 3], bb[3])
            iw = np.maximum(ixmax - ixmin + 1., 0.)
            ih = np.maximum(iymax - iymin + 1., 0.)
            inters = iw * ih
            uni = ((bb[2] - bb[0] + 1.) * (bb[3] - bb[1] + 1.) +
                   (BBGT[:, 2] - BBGT[:, 0] + 1.) * (BBGT[:, 3] - BBGT[:, 1] + 1.) - inters)
            overlaps = inters / uni
            ovmax = np.max(overlaps)
            jmax = np.argmax(overlaps)
        if ovmax > ovthresh:
            if not R['difficult'][jmax]:
                if not R['det'][jmax]:
                    tp[d] = 1.
                    R['det'][jmax] = 1
                else:
                    fp[d] = 1.
        else:
            fp[d] = 1.
    fp = np.cumsum(fp)
    tp = np.cumsum(tp)
    if npos == 0:
        return None, None, 0, nd
    rec = tp / float(npos)
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return voc_ap(rec, prec, True), voc_ap(rec, prec, False), int(npos), nd


def voc_difficult(a):
    """A COCO annotation's VOC `difficult`: a number or boolean, non-zero = difficult (bool(), as
    astype(bool) reads it); a string holding a decimal number is that number (a VOC file's text,
    which voc_eval reads with int()); anything else (another string, null) is not difficult. Any
    truthy iscrowd (what pycocotools ignores) is difficult too."""
    d = a.get('difficult', 0)
    if isinstance(d, str):
        d = float(d) if re.fullmatch(r'\s*[+-]?\d+(\.\d*)?\s*', d) else 0
    return (isinstance(d, (int, float)) and bool(d)) or bool(a.get('iscrowd', 0))


# --- reference numbers --------------------------------------------------------------------------

def reference(gt, dt):
    coco_gt = COCO()
    coco_gt.dataset = json.loads(json.dumps(gt))
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(json.loads(json.dumps(dt)))
        ev = COCOeval(coco_gt, coco_dt, 'bbox')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    coco = {k: float(v) for k, v in zip(KEYS, ev.stats)}
    cat_ids = sorted(coco_gt.getCatIds())
    names = {c['id']: c['name'] for c in gt['categories']}
    image_ids = {im['id'] for im in gt['images']}

    recs = {im: [] for im in image_ids}
    for a in gt['annotations']:
        x, y, w, h = a['bbox']
        recs[a['image_id']].append({
            'name': a['category_id'], 'bbox': [x, y, x + w, y + h],
            'difficult': voc_difficult(a),
        })
    per_class = {}
    ap11s, apalls = [], []
    for k, cid in enumerate(cat_ids):
        s = ev.eval['precision'][:, :, k, 0, 2]
        coco_ap = float(np.mean(s[s > -1])) if (s > -1).any() else -1.0
        dets = [(d['image_id'], d['score'], [d['bbox'][0], d['bbox'][1], d['bbox'][0] + d['bbox'][2],
                                             d['bbox'][1] + d['bbox'][3]])
                for d in dt if d['category_id'] == cid]
        ap11, apall, npos, nd = voc_eval(recs, dets, cid)
        if ap11 is not None:
            ap11s.append(ap11)
            apalls.append(apall)
        per_class[names[cid]] = {
            'cocoAP': coco_ap,
            'ap11': float(ap11) if ap11 is not None else -1.0,
            'apAll': float(apall) if apall is not None else -1.0,
            'npos': npos, 'ndet': nd,
        }
    voc = {'mAP11': float(np.mean(ap11s)) if ap11s else -1.0,
           'mAPAll': float(np.mean(apalls)) if apalls else -1.0}
    return {'coco': coco, 'voc': voc, 'perClass': per_class}


# --- fixtures -----------------------------------------------------------------------------------

def edge_fixture():
    """Hand-made corner cases: crowd, ties, empty classes, area borders, >100 dets, gt id 0."""
    cats = [{'id': 1, 'name': 'cat'}, {'id': 2, 'name': 'dog'}, {'id': 3, 'name': 'bird'},
            {'id': 4, 'name': 'fish'}, {'id': 7, 'name': 'unused'}]
    images = [{'id': i, 'file_name': f'img{i}.jpg', 'width': 640, 'height': 480}
              for i in [1, 2, 3, 4, 5, 6, 10]]
    anns = []

    def gt(image, cat, bbox, **extra):
        anns.append({'id': len(anns) + 1, 'image_id': image, 'category_id': cat, 'bbox': bbox,
                     'area': extra.pop('area', bbox[2] * bbox[3]), 'iscrowd': extra.pop('iscrowd', 0),
                     **extra})

    # Area borders: exactly 32² (small and medium) and 96² (medium and large).
    gt(1, 1, [10, 10, 32, 32])
    gt(1, 1, [100, 100, 96, 96])
    gt(1, 1, [300, 50, 40, 40], area=1000.0)  # area field (a mask's) differs from w*h: binned as small
    gt(1, 2, [0, 200, 300, 200], iscrowd=1)
    gt(1, 2, [400, 300, 50, 60])
    gt(2, 1, [20, 20, 100, 80])
    gt(2, 1, [25, 25, 100, 80])  # two overlapping gts: greedy order matters
    gt(2, 2, [200, 200, 30, 30], difficult=1)  # difficult: VOC ignores it, COCO does not
    gt(3, 4, [50, 50, 60, 60])  # fish: ground truth but no detections
    gt(3, 1, [300, 300, 64, 48])
    gt(4, 2, [10, 10, 200, 150], iscrowd=1)
    gt(4, 2, [250, 250, 40, 30])
    gt(5, 1, [5, 5, 20, 20])
    gt(6, 1, [100, 100, 50, 50])
    gt(6, 1, [300, 300, 50, 50], ignore=1)  # pycocotools overwrites `ignore` with iscrowd: it counts
    anns.insert(0, {'id': 0, 'image_id': 6, 'category_id': 2, 'bbox': [10, 10, 40, 40],
                    'area': 1600.0, 'iscrowd': 0})  # id 0: pycocotools cannot record its match

    dts = []

    def det(image, cat, bbox, score):
        dts.append({'image_id': image, 'category_id': cat, 'bbox': bbox, 'score': score})

    det(1, 1, [10, 10, 32, 32], 0.9)
    det(1, 1, [11, 11, 32, 32], 0.9)  # tie, duplicate
    det(1, 1, [102, 98, 96, 96], 0.8)
    det(1, 1, [302, 52, 38, 38], 0.5)
    det(1, 1, [500, 400, 32, 32], 0.5)  # unmatched, area exactly 32²
    det(1, 1, [500, 10, 96, 96], 0.5)  # unmatched, area exactly 96²
    det(1, 2, [10, 210, 100, 100], 0.95)  # inside the crowd
    det(1, 2, [120, 220, 100, 100], 0.94)  # inside the crowd again
    det(1, 2, [405, 305, 50, 60], 0.6)
    det(2, 1, [22, 22, 100, 80], 0.7)
    det(2, 1, [22, 22, 100, 80], 0.7)  # tie with an identical box
    det(2, 1, [200, 200, 30, 30], 0.65)  # wrong class over the difficult dog
    det(2, 2, [201, 201, 30, 30], 0.3)  # on the difficult dog
    det(2, 3, [50, 50, 20, 20], 0.4)  # bird: no ground truth anywhere
    det(3, 1, [300, 300, 64, 48], 0.5)
    det(3, 1, [310, 305, 64, 48], 0.5)
    det(4, 2, [20, 20, 50, 50], 0.88)  # crowd
    det(4, 2, [250, 250, 40, 30], 0.1)
    det(6, 2, [10, 10, 40, 40], 0.9)  # matches the gt with id 0
    det(6, 1, [100, 100, 50, 50], 0.2)
    det(6, 1, [301, 301, 50, 50], 0.45)
    det(10, 1, [1, 1, 10, 10], 0.99)  # an image without ground truth
    rng = random.Random(5)
    for i in range(105):  # more than 100 detections on one image: maxDets cuts them
        x, y = rng.randint(0, 600), rng.randint(0, 440)
        det(5, 1, [x, y, rng.randint(4, 40), rng.randint(4, 40)], round(rng.random(), 1))
    det(5, 1, [5, 5, 20, 20], 0.05)  # the true one scores lowest: beyond the 100 best
    return {'images': images, 'annotations': anns, 'categories': cats}, dts


def random_fixture(seed, n_images, n_cats):
    rng = random.Random(seed)
    cats = [{'id': k + 1, 'name': f'class{k + 1}'} for k in range(n_cats)]
    images, anns, dts = [], [], []
    borders = [32, 96]
    for i in range(n_images):
        image_id = 1000 + 7 * i
        W, H = 640, 480
        images.append({'id': image_id, 'file_name': f'r{i}.jpg', 'width': W, 'height': H})
        for _ in range(rng.randint(0, 6)):
            cat = rng.randint(1, n_cats - 1)  # the last class never has ground truth
            if rng.random() < 0.15:
                w = h = rng.choice(borders)
            else:
                w = round(8 * (40 ** rng.random()), 1)
                h = round(w * rng.uniform(0.5, 2), 1)
            x, y = round(rng.uniform(0, W - w), 1), round(rng.uniform(0, H - h), 1)
            crowd = 1 if rng.random() < 0.05 else 0
            a = {'id': len(anns) + 1, 'image_id': image_id, 'category_id': cat, 'bbox': [x, y, w, h],
                 'area': round(w * h * rng.uniform(0.6, 1.0), 2) if rng.random() < 0.3 else w * h,
                 'iscrowd': crowd}
            if rng.random() < 0.05:
                a['difficult'] = 1
            anns.append(a)
            for _ in range(rng.choice([0, 1, 1, 1, 2])):  # misses, hits, duplicates
                j = rng.uniform(0, 0.35)
                dw, dh = w * rng.uniform(1 - j, 1 + j), h * rng.uniform(1 - j, 1 + j)
                dx, dy = x + w * rng.uniform(-j, j), y + h * rng.uniform(-j, j)
                dcat = cat if rng.random() < 0.85 else rng.randint(1, n_cats)
                dts.append({'image_id': image_id, 'category_id': dcat,
                            'bbox': [round(dx, 2), round(dy, 2), round(dw, 2), round(dh, 2)],
                            'score': round(rng.random(), 2)})
        for _ in range(rng.randint(0, 4)):  # background detections
            w, h = rng.uniform(5, 200), rng.uniform(5, 200)
            dts.append({'image_id': image_id, 'category_id': rng.randint(1, n_cats),
                        'bbox': [round(rng.uniform(0, W - w), 2), round(rng.uniform(0, H - h), 2),
                                 round(w, 2), round(h, 2)],
                        'score': round(rng.random(), 2)})
    rng.shuffle(dts)
    return {'images': images, 'annotations': anns, 'categories': cats}, dts


def variant_fixture(seed):
    """String image ids (sorted as Python sorts them), integer boxes (IoU ties), `ignore` flags."""
    gt, dt = random_fixture(seed, 30, 4)
    rng = random.Random(seed)
    for im in gt['images']:
        im['id'] = f'img-{im["id"]}'
    for a in gt['annotations'] + dt:
        a['image_id'] = f'img-{a["image_id"]}'
        a['bbox'] = [float(round(v)) for v in a['bbox']]
    for a in gt['annotations']:
        a['area'] = a['bbox'][2] * a['bbox'][3]
        if rng.random() < 0.1:
            a['ignore'] = 1
    return gt, dt


def odd_fixture():
    """What pycocotools scores although COCO would not write it: `difficult` 2, 0.5, -1, "1" and
    null; non-integral image, category and annotation ids (and 1.0 for 1); boxes with a negative
    width or height (ground truth and detections, one with the top score on an image with more
    than 100 detections); iscrowd 0.5, -0.5, "0" (ignored, matched as regular boxes) and 1.5."""
    cats = [{'id': 1, 'name': 'cat'}, {'id': 2, 'name': 'dog'}, {'id': 2.5, 'name': 'half'}]
    images = [{'id': i, 'file_name': f'odd{k}.jpg', 'width': 640, 'height': 480}
              for k, i in enumerate([1, 1.5, 2, 2.25, 3, -1, 0.5])]
    anns = []

    def gt(image, cat, bbox, **extra):
        a = {'id': extra.pop('id', len(anns) + 1), 'image_id': image, 'category_id': cat,
             'bbox': bbox, 'area': extra.pop('area', abs(bbox[2] * bbox[3])),
             'iscrowd': extra.pop('iscrowd', 0)}
        a.update(extra)
        anns.append(a)

    gt(1, 1, [10, 10, 40, 40], difficult=2)  # VOC: difficult; COCO does not read it
    gt(1, 1, [100, 100, -30, 40], area=1200.0)  # negative width, area in range: a miss
    gt(1, 1, [200, 200, -20, -20])  # both negative, area 400: a miss, even under a detection
    gt(1.5, 1, [50, 60, 30, 20], difficult=0.5)
    gt(1.5, 2, [300, 100, 80, 60], difficult=-1)
    gt(2.0, 2.0, [20, 30, 60, 60], difficult='1')  # a string: not difficult (VOC)
    gt(2, 2, [150, 30, 60, 60], difficult=None)
    gt(2, 1, [400, 300, 50, 50], id=7.25)  # a non-integral annotation id
    gt(2.25, 1, [10, 10, 50, 50], id=0.5)
    gt(3, 1, [10, 10, 60, 60], iscrowd=0.5)  # ignored, but only one detection can match it
    gt(3, 1, [200, 10, 60, 60], iscrowd=-0.5)
    gt(3, 2, [10, 200, 200, 150], iscrowd=1.5)  # int(1.5) = 1: a crowd
    gt(3, 2, [300, 300, 60, 60], iscrowd='0')  # a non-empty string: ignored, int('0') = 0
    gt(3, 1, [300, 300, -0.5, 1], area=10.0)  # VOC: IoU 1 with an equal box (its +1 widths)...
    gt(3, 1, [300, 300, -2, 0], area=5.0)  # ...and 0/0 = NaN with this one: a false positive
    gt(-1, 2.5, [30, 40, 50, 50])
    gt(-1, 2.5, [130, 40, 50, 50])
    gt(0.5, 2.5, [5, 5, 20, 20])

    dts = []

    def det(image, cat, bbox, score):
        dts.append({'image_id': image, 'category_id': cat, 'bbox': bbox, 'score': score})

    det(1.0, 1.0, [10, 10, 40, 40], 0.9)  # 1.0 is image 1, class 1
    det(1, 1, [100, 100, -30, 40], 0.8)  # on the negative gt: IoU 0, area < 0: ignored
    det(1, 1, [200, 200, -20, -20], 0.75)  # area 400: a false positive
    det(1, 1, [72, 100, 30, 40], 0.7)  # where the negative gt would be if it were flipped
    det(1.5, 1, [52, 61, 30, 20], 0.6)
    det(1.5, 2, [300, 100, 80, 60], 0.6)
    det(2, 2, [22, 30, 60, 60], 0.85)
    det(2, 2, [150, 35, 60, 60], 0.5)
    det(2, 1, [400, 300, 50, 50], 0.4)
    det(3, 1, [12, 12, 60, 60], 0.95)  # on the iscrowd-0.5 box: ignored
    det(3, 1, [10, 10, 60, 60], 0.9)  # the same box again: not a crowd, so a false positive
    det(3, 1, [200, 12, 60, 60], 0.3)
    det(3, 2, [20, 210, 60, 60], 0.8)  # inside the crowd
    det(3, 2, [100, 250, 60, 60], 0.7)  # inside the crowd again
    det(3, 2, [300, 300, 60, 60], 0.6)  # on the iscrowd-"0" box: ignored
    det(3, 2, [302, 302, 60, 60], 0.55)  # again: a false positive
    det(3, 1, [300, 300, -0.5, 1], 0.65)
    det(-1, 2.5, [31, 41, 50, 50], 0.7)
    det(-1, 2.5, [130, 40, 50, 50], 0.7)
    det(0.5, 2.5, [6, 5, 20, 20], 0.2)
    # Image 2.25: 101 detections; the negative one has the top score and takes one of the 100
    # places, so the true one (the lowest score) is left out by COCO, not by VOC.
    det(2.25, 1, [10, 10, -50, 50], 0.99)
    rng = random.Random(7)
    for _ in range(99):
        det(2.25, 1, [rng.randint(200, 600), rng.randint(100, 440), rng.randint(4, 40),
                      rng.randint(4, 40)], round(rng.uniform(0.5, 0.95), 2))
    det(2.25, 1, [10, 10, 50, 50], 0.45)
    return {'images': images, 'annotations': anns, 'categories': cats}, dts


def odd_strings_fixture():
    """String image ids with the empty string (and one that is a space), and negative boxes."""
    cats = [{'id': 1, 'name': 'cat'}, {'id': 2, 'name': 'dog'}]
    images = [{'id': i, 'file_name': f's{k}.jpg'} for k, i in enumerate(['', 'a', ' ', 'B'])]
    anns = [
        {'id': 1, 'image_id': '', 'category_id': 1, 'bbox': [10, 10, 40, 40], 'area': 1600,
         'iscrowd': 0},
        {'id': 2, 'image_id': '', 'category_id': 2, 'bbox': [100, 10, 40, -40], 'area': 1600,
         'iscrowd': 0},
        {'id': 3, 'image_id': 'a', 'category_id': 1, 'bbox': [10, 10, 40, 40], 'area': 1600,
         'iscrowd': 0, 'difficult': 2},
        {'id': 4, 'image_id': ' ', 'category_id': 2, 'bbox': [50, 50, 100, 100], 'area': 10000,
         'iscrowd': 0},
        {'id': 5, 'image_id': 'B', 'category_id': 1, 'bbox': [5, 5, 30, 30], 'area': 900,
         'iscrowd': 0, 'difficult': 'yes'},
    ]
    dts = [
        {'image_id': '', 'category_id': 1, 'bbox': [11, 11, 40, 40], 'score': 0.7},
        {'image_id': '', 'category_id': 2, 'bbox': [100, 10, 40, -40], 'score': 0.9},
        {'image_id': 'a', 'category_id': 1, 'bbox': [10, 10, 40, 40], 'score': 0.7},
        {'image_id': ' ', 'category_id': 2, 'bbox': [52, 50, 100, 100], 'score': 0.6},
        {'image_id': ' ', 'category_id': 1, 'bbox': [52, 50, 100, 100], 'score': 0.65},
        {'image_id': 'B', 'category_id': 1, 'bbox': [5, 5, 30, 30], 'score': 0.7},
    ]
    return {'images': images, 'annotations': anns, 'categories': cats}, dts


def main():
    os.makedirs(OUT, exist_ok=True)
    fixtures = {'edge': edge_fixture(), 'random': random_fixture(11, 60, 5),
                'dense': random_fixture(23, 25, 3), 'strings': variant_fixture(31),
                'odd': odd_fixture(), 'oddstrings': odd_strings_fixture()}
    for name, (gt, dt) in fixtures.items():
        for suffix, doc in [('gt', gt), ('dt', dt), ('reference', reference(gt, dt))]:
            with open(os.path.join(OUT, f'{name}.{suffix}.json'), 'w') as f:
                json.dump(doc, f, indent=1)
                f.write('\n')
        print(name, json.dumps(reference(gt, dt)['coco']))


if __name__ == '__main__':
    main()
