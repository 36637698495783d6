#!/usr/bin/python3
"""Builds the Caffe `DetectionOutput` and TF OD API decoded-output fixtures (committed).

test/fixtures/caffe/:
- `ssd300-const.onnx`: a graph with Caffe SSD300's input `data` [1, 3, 300, 300] whose outputs
  are fixed, seeded arrays in Caffe's layout: `mbox_loc` [1, P·4] and `mbox_conf` [1, P·C]
  (flattened, before the softmax layer), P = 8732 paper priors, C = 4 (background + 3);
- `ssd300-const.json`: the manifest (`"preset": "caffe-ssd"` plus classes);
- `ssd300-const.reference.json`: what Caffe's `DetectionOutput` makes of them, computed here by
  an independent numpy implementation of weiliu89/caffe `PriorBoxLayer`, `DecodeBBoxes`
  (CENTER_SIZE, variance_encoded_in_target false), softmax, and
  `DetectionOutputLayer::Forward_cpu` with `ApplyNMSFast` (per class, score > threshold,
  stable sort, top_k before NMS, eta 1, keep_top_k after, no clip_bbox). Boxes are
  normalised and unclipped, as `DetectionOutput` emits them.

test/fixtures/tf-decoded/:
- `decoded-const.onnx`: a graph with a TF 2 export's uint8 `input_tensor` whose outputs are a TF OD API export's post-processed tensors
  (`detection_boxes` [1, 100, 4] y1 x1 y2 x2 normalised, `detection_scores` [1, 100],
  `detection_classes` [1, 100] counted from 1, `num_detections` [1]), padded past
  num_detections with entries that must be ignored;
- its manifest and the expected detections.

Needs numpy and onnx (Debian: python3-numpy python3-onnx). Run:
/usr/bin/python3 scripts/make-caffe-fixture.py
"""
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ["cat", "dog", "bird"]


# ------------------------------------------------------------------------------------------
# Caffe PriorBox for ssd_pascal.py's SSD300 (min/max sizes, steps, ratios, flip, no clip)
# ------------------------------------------------------------------------------------------
def caffe_priors():
    img = 300.0
    maps = [38, 19, 10, 5, 3, 1]
    steps = [8, 16, 32, 64, 100, 300]
    min_sizes = [30, 60, 111, 162, 213, 264]
    max_sizes = [60, 111, 162, 213, 264, 315]
    ratios = [[2], [2, 3], [2, 3], [2, 3], [2], [2]]
    out = []
    for k, f in enumerate(maps):
        ars = [1.0]
        for r in ratios[k]:
            ars += [float(r), 1.0 / r]  # flip: true
        for h in range(f):
            for w in range(f):
                cx = (w + 0.5) * steps[k]
                cy = (h + 0.5) * steps[k]
                # PriorBoxLayer order: min size box, sqrt(min·max) box, then the other ratios.
                s = min_sizes[k]
                out.append([cx, cy, s, s])
                s2 = np.sqrt(min_sizes[k] * max_sizes[k])
                out.append([cx, cy, s2, s2])
                for ar in ars[1:]:
                    out.append([cx, cy, s * np.sqrt(ar), s / np.sqrt(ar)])
    p = np.array(out, dtype=np.float64)
    # Stored as corners normalised to the image, as PriorBox writes them (float32 top blob).
    corners = np.stack(
        [
            (p[:, 0] - p[:, 2] / 2) / img,
            (p[:, 1] - p[:, 3] / 2) / img,
            (p[:, 0] + p[:, 2] / 2) / img,
            (p[:, 1] + p[:, 3] / 2) / img,
        ],
        1,
    ).astype(np.float32)
    return corners


def decode_center_size(prior, var, loc):
    pw = prior[:, 2] - prior[:, 0]
    ph = prior[:, 3] - prior[:, 1]
    pcx = (prior[:, 0] + prior[:, 2]) / 2
    pcy = (prior[:, 1] + prior[:, 3]) / 2
    cx = var[0] * loc[:, 0] * pw + pcx
    cy = var[1] * loc[:, 1] * ph + pcy
    w = np.exp(var[2] * loc[:, 2]) * pw
    h = np.exp(var[3] * loc[:, 3]) * ph
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1).astype(np.float32)


def jaccard(a, b):
    # Caffe JaccardOverlap, normalised boxes (no +1).
    if b[0] > a[2] or b[2] < a[0] or b[1] > a[3] or b[3] < a[1]:
        return 0.0
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    inter = ix * iy

    def size(x):
        return 0.0 if x[2] < x[0] or x[3] < x[1] else (x[2] - x[0]) * (x[3] - x[1])

    return inter / (size(a) + size(b) - inter)


def apply_nms_fast(boxes, scores, score_thresh, nms_thresh, top_k, eta=1.0):
    idx = [i for i in range(len(scores)) if scores[i] > score_thresh]
    idx.sort(key=lambda i: -scores[i])  # Python's sort is stable, as std::stable_sort
    if top_k > -1:
        idx = idx[:top_k]
    kept = []
    adaptive = nms_thresh
    for i in idx:
        if all(jaccard(boxes[i], boxes[k]) <= adaptive for k in kept):
            kept.append(i)
        if eta < 1 and adaptive > 0.5:
            adaptive *= eta
    return kept


def detection_output(loc, conf, priors, num_classes, conf_thresh, nms_thresh, top_k, keep_top_k):
    boxes = decode_center_size(priors, [0.1, 0.1, 0.2, 0.2], loc)
    e = np.exp(conf - conf.max(1, keepdims=True))
    prob = (e / e.sum(1, keepdims=True)).astype(np.float32)
    dets = []
    for c in range(num_classes):
        if c == 0:  # background_label_id
            continue
        for i in apply_nms_fast(boxes, prob[:, c], conf_thresh, nms_thresh, top_k):
            dets.append((float(prob[i, c]), c, i))
    if keep_top_k > -1 and len(dets) > keep_top_k:
        dets = sorted(dets, key=lambda d: -d[0])[:keep_top_k]
    return [
        {
            "label": CLASSES[c - 1],
            "score": round(s, 6),
            "boxNormalised": [round(float(v), 6) for v in boxes[i]],
        }
        for s, c, i in sorted(dets, key=lambda d: -d[0])
    ]


def const_graph(input_name, input_shape, outputs, path, input_type=TensorProto.FLOAT):
    """A graph whose outputs are the given arrays; each is added to 0·mean(input) so that the
    input is used (as a real model's would be)."""
    nodes = [
        helper.make_node("Cast", [input_name], ["x"], to=TensorProto.FLOAT),
        helper.make_node("ReduceMean", ["x"], ["m"], keepdims=0),
    ]
    nodes.append(helper.make_node("Mul", ["m", "zero"], ["z"]))
    inits = [numpy_helper.from_array(np.array(0, dtype=np.float32), "zero")]
    outs = []
    for name, arr in outputs.items():
        inits.append(numpy_helper.from_array(arr, f"{name}_value"))
        nodes.append(helper.make_node("Add", [f"{name}_value", "z"], [name]))
        outs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(arr.shape)))
    graph = helper.make_graph(
        nodes,
        "const",
        [helper.make_tensor_value_info(input_name, input_type, input_shape)],
        outs,
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def caffe_fixture():
    out = ROOT / "test" / "fixtures" / "caffe"
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(12)
    priors = caffe_priors()
    P, C = len(priors), len(CLASSES) + 1
    loc = rng.normal(0, 1.0, (P, 4)).astype(np.float32)
    conf = rng.normal(0, 2.0, (P, C)).astype(np.float32)
    conf[:, 0] += 9.0  # mostly background, as a trained model
    const_graph(
        "data",
        [1, 3, 300, 300],
        {"mbox_loc": loc.reshape(1, -1), "mbox_conf": conf.reshape(1, -1)},
        out / "ssd300-const.onnx",
    )
    dets = detection_output(loc, conf, priors, C, 0.01, 0.45, 400, 200)
    (out / "ssd300-const.json").write_text(
        json.dumps(
            {
                "preset": "caffe-ssd",
                "name": "caffe-ssd300-const",
                "title": "Caffe SSD300 layout, fixed seeded head outputs (test fixture)",
                "file": "ssd300-const.onnx",
                "classes": CLASSES,
                "provenance": {"generator": "scripts/make-caffe-fixture.py"},
            },
            indent=2,
        )
        + "\n"
    )
    ref = {
        "generator": "scripts/make-caffe-fixture.py",
        "rules": "DetectionOutput: background 0, confidence_threshold 0.01, nms_threshold 0.45, "
        "top_k 400, keep_top_k 200, eta 1, code_type CENTER_SIZE, clip_bbox false",
        "numPriors": P,
        "detections": dets,
    }
    (out / "ssd300-const.reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    print(f"caffe: {len(dets)} detections, {sum(d['score'] >= 0.3 for d in dets)} >= 0.3")


def tf_decoded_fixture():
    out = ROOT / "test" / "fixtures" / "tf-decoded"
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    K, n = 100, 37
    y1 = rng.uniform(0, 0.8, K)
    x1 = rng.uniform(0, 0.8, K)
    boxes = np.stack([y1, x1, y1 + rng.uniform(0.05, 0.2, K), x1 + rng.uniform(0.05, 0.2, K)], 1)
    scores = np.sort(rng.uniform(0.05, 0.99, K))[::-1].copy()
    classes = rng.integers(1, len(CLASSES) + 1, K).astype(np.float32)
    # Past num_detections TF pads with zeros; here with high scores, which must be ignored.
    scores[n:] = 0.95
    const_graph(
        "input_tensor",
        [1, 300, 300, 3],
        {
            "detection_boxes": boxes.astype(np.float32)[None],
            "detection_scores": scores.astype(np.float32)[None],
            "detection_classes": classes[None],
            "num_detections": np.array([n], dtype=np.float32),
        },
        out / "decoded-const.onnx",
        TensorProto.UINT8,  # TF 2 exports take uint8 pixels
    )
    (out / "decoded-const.json").write_text(
        json.dumps(
            {
                "preset": "tf-od-api-ssd",
                "name": "tf-decoded-const",
                "title": "TF OD API decoded outputs, fixed values (test fixture)",
                "file": "decoded-const.onnx",
                "classes": CLASSES,
                "input": {
                    "name": "input_tensor",
                    "dtype": "uint8",
                    "normalize": {"scale": 1, "offset": 0},
                },
                "output": {
                    "kind": "decoded",
                    "boxes": "detection_boxes",
                    "scores": "detection_scores",
                    "labels": "detection_classes",
                    "count": "num_detections",
                },
                "provenance": {"generator": "scripts/make-caffe-fixture.py"},
            },
            indent=2,
        )
        + "\n"
    )
    ref = {
        "generator": "scripts/make-caffe-fixture.py",
        "numDetections": n,
        "detections": [
            {
                "label": CLASSES[int(classes[i]) - 1],
                "score": round(float(np.float32(scores[i])), 6),
                "boxNormalisedYxyx": [round(float(np.float32(v)), 6) for v in boxes[i]],
            }
            for i in range(n)
        ],
    }
    (out / "decoded-const.reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    print(f"tf decoded: {n} detections of {K} rows")


if __name__ == "__main__":
    caffe_fixture()
    tf_decoded_fixture()
