#!/usr/bin/python3
"""Builds the torchvision SSD fixtures in test/fixtures/torchvision (committed).

For each of two small SSDs built with torchvision's own classes (`SSD`, `SSDHead`,
`DefaultBoxGenerator`) in the shape of `ssd300_vgg16` and `ssdlite320_mobilenet_v3_large`
(same priors, transform and post-processing settings; a tiny backbone with seeded weights):

- `<name>.onnx`: the raw head outputs before post-processing (`bbox_regression` [1, P, 4] and
  `cls_logits` [1, P, C]) for a normalised, resized input `images` [1, 3, H, W];
- `<name>.priors.f32`: the priors as torchvision generates them (cx, cy, w, h normalised,
  float32 little-endian), to check the preset's prior config against;
- `<name>.json`: the Shotbox manifest (`"preset"` plus classes);
- `<name>.reference.json`: torchvision's own detections (`model.eval()`, its transform and
  `postprocess_detections`) on the photos in `photos/`, in image pixels.

The photos are face-api's demo photos, downsized and stored as PNG so that both sides read the
same pixels (JPEG decoders may differ in the last bit).

Run: /usr/bin/python3 scripts/make-torchvision-fixture.py   (installs Debian's
python3-torchvision if it is missing). Deterministic: seeded weights, CPU, one thread.
"""
import json
import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test" / "fixtures" / "torchvision"
DEMO = ROOT / "node_modules" / "@vladmandic" / "face-api" / "demo"
PHOTOS = ["sample1.jpg", "sample2.jpg", "sample4.jpg", "sample6.jpg"]
CLASSES = ["cat", "dog", "bird"]
# Head scales: logits spread so that dozens of boxes per photo score above 0.3, fewer than
# the per-image cap (the background bias is per model, below).
CLS_STD = 2.0
REG_STD = 0.8


def ensure_torchvision():
    try:
        import torchvision  # noqa: F401
        import PIL  # noqa: F401
    except ImportError:
        print("installing python3-torchvision (Debian)...", file=sys.stderr)
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update"], check=True)
        subprocess.run(
            sudo + ["apt-get", "install", "-y", "python3-torchvision", "python3-pil"], check=True
        )
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])


ensure_torchvision()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torch import nn  # noqa: E402
from torchvision.models.detection.anchor_utils import DefaultBoxGenerator  # noqa: E402
from torchvision.models.detection.image_list import ImageList  # noqa: E402
from torchvision.models.detection.ssd import SSD  # noqa: E402
from torchvision.transforms.functional import to_tensor  # noqa: E402

torch.set_num_threads(1)


class TinyBackbone(nn.Module):
    """A few strided 3×3 convolutions whose last six outputs have the SSD feature-map sizes."""

    def __init__(self, strides_pads, widths, taps):
        super().__init__()
        layers = []
        cin = 3
        for (stride, pad), cout in zip(strides_pads, widths):
            layers.append(nn.Conv2d(cin, cout, 3, stride=stride, padding=pad))
            cin = cout
        self.convs = nn.ModuleList(layers)
        self.taps = taps
        self.out_channels = [widths[i] for i in taps]

    def forward(self, x):
        feats = OrderedDict()
        for i, conv in enumerate(self.convs):
            x = torch.relu(conv(x))
            if i in self.taps:
                feats[str(len(feats))] = x
        return feats


class RawHeads(nn.Module):
    """The exported graph: backbone + head, no transform, no post-processing."""

    def __init__(self, model):
        super().__init__()
        self.backbone = model.backbone
        self.head = model.head

    def forward(self, images):
        out = self.head(list(self.backbone(images).values()))
        return out["bbox_regression"], out["cls_logits"]


def ssd300_tiny():
    # 300 → 150 → 75 → 38 → 19 → 10 → 5 → 3 → 1 (the ssd300_vgg16 maps 38…1).
    sp = [(2, 1)] * 7 + [(1, 0)]
    backbone = TinyBackbone(sp, [8, 12, 16, 16, 16, 16, 16, 16], taps=[2, 3, 4, 5, 6, 7])
    anchors = DefaultBoxGenerator(
        [[2], [2, 3], [2, 3], [2, 3], [2], [2]],
        scales=[0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05],
        steps=[8, 16, 32, 64, 100, 300],
    )
    model = SSD(
        backbone,
        anchors,
        (300, 300),
        len(CLASSES) + 1,
        image_mean=[0.48235, 0.45882, 0.40784],
        image_std=[1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0],
    )
    return model, "torchvision-ssd300", 300


def ssdlite320_tiny():
    # 320 → 160 → 80 → 40 → 20 → 10 → 5 → 3 → 2 → 1 (the ssdlite320 maps 20…1).
    sp = [(2, 1)] * 9
    backbone = TinyBackbone(sp, [8, 12, 16, 16, 16, 16, 16, 16, 16], taps=[3, 4, 5, 6, 7, 8])
    anchors = DefaultBoxGenerator([[2, 3] for _ in range(6)], min_ratio=0.2, max_ratio=0.95)
    model = SSD(
        backbone,
        anchors,
        (320, 320),
        len(CLASSES) + 1,
        image_mean=[0.5, 0.5, 0.5],
        image_std=[0.5, 0.5, 0.5],
        score_thresh=0.001,
        nms_thresh=0.55,
        detections_per_img=300,
        topk_candidates=300,
    )
    return model, "torchvision-ssdlite320", 320


def photos():
    """The demo photos at most 320 px on their longer side, as PNG (written once, then reused)."""
    out = []
    (OUT / "photos").mkdir(parents=True, exist_ok=True)
    for name in PHOTOS:
        png = OUT / "photos" / (Path(name).stem + ".png")
        if not png.exists():
            img = Image.open(DEMO / name).convert("RGB")
            img.thumbnail((320, 320), Image.LANCZOS)
            img.save(png, optimize=True)
        out.append(png)
    return out


def spread_scores(model, images, background_bias):
    """Rescales the seeded heads so that scores spread over (0, 1) and boxes move off their
    priors: a random head gives near-uniform softmax scores, and a test on those proves little."""
    with torch.no_grad():
        feats = list(model.backbone(images).values())
        heads = model.head
        for f, cls, reg in zip(
            feats, heads.classification_head.module_list, heads.regression_head.module_list
        ):
            # Per feature map: its activations differ in scale from layer to layer.
            for conv, target in ((cls, CLS_STD), (reg, REG_STD)):
                k = target / conv(f).std()
                conv.weight.mul_(k)
                conv.bias.mul_(k)
            # Background column 0 of each anchor: most priors are background, as in a trained model.
            cls.bias.view(-1, len(CLASSES) + 1)[:, 0] += background_bias


def build(factory, seed, background_bias):
    torch.manual_seed(seed)
    model, preset, size = factory()
    model.eval()
    name = preset.replace("torchvision-", "") + "-tiny"
    pngs = photos()
    tensors = [to_tensor(Image.open(p).convert("RGB")) for p in pngs]
    # Calibrate on the photos as the model sees them (normalised, resized).
    batch = model.transform(tensors)[0].tensors
    spread_scores(model, batch, background_bias)

    dummy = torch.zeros(1, 3, size, size)
    torch.onnx.export(
        RawHeads(model).eval(),  # export restores the wrapper's mode on its modules afterwards
        dummy,
        str(OUT / f"{name}.onnx"),
        input_names=["images"],
        output_names=["bbox_regression", "cls_logits"],
        opset_version=13,
        do_constant_folding=True,
    )

    with torch.no_grad():
        feats = list(model.backbone(dummy).values())
        priors = model.anchor_generator(ImageList(dummy, [(size, size)]), feats)[0]
    xyxy = priors / size
    cxcywh = torch.cat([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], 1)
    cxcywh.numpy().astype("<f4").tofile(OUT / f"{name}.priors.f32")

    images = []
    with torch.no_grad():
        for png, t in zip(pngs, tensors):
            det = model([t])[0]
            images.append(
                {
                    "file": f"photos/{png.name}",
                    "width": t.shape[2],
                    "height": t.shape[1],
                    "detections": [
                        {
                            "box": [round(float(v), 4) for v in box],
                            "score": round(float(s), 6),
                            "label": CLASSES[int(lab) - 1],
                        }
                        for box, s, lab in zip(det["boxes"], det["scores"], det["labels"])
                    ],
                }
            )
    (OUT / f"{name}.json").write_text(
        json.dumps(
            {
                "preset": preset,
                "name": f"tv-{name}",
                "title": f"torchvision {preset[12:]} shape, tiny seeded backbone (test fixture)",
                "file": f"{name}.onnx",
                "classes": CLASSES,
                "provenance": {"generator": "scripts/make-torchvision-fixture.py"},
            },
            indent=2,
        )
        + "\n"
    )
    ref = {
        "generator": "scripts/make-torchvision-fixture.py",
        "torch": torch.__version__,
        "torchvision": __import__("torchvision").__version__,
        "preset": preset,
        "numPriors": int(cxcywh.shape[0]),
        "settings": {
            "score_thresh": model.score_thresh,
            "nms_thresh": model.nms_thresh,
            "detections_per_img": model.detections_per_img,
            "topk_candidates": model.topk_candidates,
        },
        "images": images,
    }
    (OUT / f"{name}.reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    counts = [sum(d["score"] >= 0.3 for d in im["detections"]) for im in images]
    print(f"{name}: {cxcywh.shape[0]} priors, detections >= 0.3 per photo: {counts}")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    build(ssd300_tiny, 0, 8.5)
    build(ssdlite320_tiny, 1, 7.0)
