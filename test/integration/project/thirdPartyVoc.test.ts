import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Box,
  type TruthImage,
  expectTruth,
  expectedSplits,
  importLabels,
  raccoonImages,
  raccoonTruth,
  readProject,
  uploadPrefix,
  workDir,
  writeText,
} from '../../helpers/thirdParty';

// Pascal VOC XML as LabelImg, CVAT and Label Studio write it, for the raccoon photos from their own
// VOC boxes, imported by the real CLI into a real project: every box where the dataset's files put
// it.

let truth: TruthImage[];

beforeAll(async () => {
  truth = await raccoonTruth();
});

async function project(name: string): Promise<{ dir: string; file: string }> {
  const dir = await workDir(`voc-${name}`);
  return { dir, file: path.join(dir, 'p.shotbox') };
}

const bndbox = ([x1, y1, x2, y2]: readonly (number | string)[], indent: string): string =>
  [
    `${indent}<bndbox>`,
    `${indent}\t<xmin>${x1}</xmin>`,
    `${indent}\t<ymin>${y1}</ymin>`,
    `${indent}\t<xmax>${x2}</xmax>`,
    `${indent}\t<ymax>${y2}</ymax>`,
    `${indent}</bndbox>`,
  ].join('\n');

describe('Pascal VOC exports of other tools', () => {
  it('LabelImg on Windows: absolute <path>, <folder>, <segmented>, float coordinates, no <difficult>', async () => {
    const { dir, file } = await project('labelimg');
    // Every other box moved by half a pixel inwards, written as LabelImg-style floats.
    const moved = truth.map((t) => ({
      ...t,
      boxes: t.boxes.map(
        (b, i) => (i % 2 === 0 ? b : [b[0] + 0.5, b[1] + 0.5, b[2] - 0.5, b[3] - 0.5]) as Box,
      ),
    }));
    for (const t of moved) {
      const objects = t.boxes.map((b) =>
        [
          '\t<object>',
          '\t\t<name>raccoon</name>',
          '\t\t<pose>Unspecified</pose>',
          '\t\t<truncated>0</truncated>',
          bndbox(
            b.map((v) => (Number.isInteger(v) ? `${v}.0` : String(v))),
            '\t\t',
          ),
          '\t</object>',
        ].join('\n'),
      );
      await writeText(
        path.join(dir, 'labels', `${t.stem}.xml`),
        [
          '<annotation>',
          '\t<folder>images</folder>',
          `\t<filename>${t.file}</filename>`,
          `\t<path>C:\\Users\\me\\Desktop\\raccoon\\images\\${t.file}</path>`,
          '\t<source>',
          '\t\t<database>Unknown</database>',
          '\t</source>',
          '\t<size>',
          `\t\t<width>${t.width}</width>`,
          `\t\t<height>${t.height}</height>`,
          '\t\t<depth>3</depth>',
          '\t</size>',
          '\t<segmented>0</segmented>',
          ...objects,
          '</annotation>',
          '',
        ].join('\n'),
      );
    }
    await importLabels(raccoonImages, file, path.join(dir, 'labels'));
    const got = readProject(file);
    expect(got.classes).toEqual(['raccoon']);
    expectTruth(got.labels, moved);
  });

  it('CVAT VOC export given whole (Annotations, ImageSets subsets, labelmap.txt, <occluded>, <attributes>, <part>): boxes and splits', async () => {
    const { dir, file } = await project('cvat');
    const root = path.join(dir, 'export');
    for (const t of truth) {
      const objects = t.boxes.map((b) =>
        [
          '  <object>',
          '    <name>raccoon</name>',
          '    <truncated>0</truncated>',
          '    <occluded>0</occluded>',
          '    <difficult>0</difficult>',
          bndbox(
            b.map((v) => `${v}.0`),
            '    ',
          ),
          '    <part>',
          '      <name>head</name>',
          bndbox([b[0], b[1], b[0] + 10, b[1] + 10], '      '),
          '    </part>',
          '    <attributes>',
          '      <attribute>',
          '        <name>occluded</name>',
          '        <value>false</value>',
          '      </attribute>',
          '    </attributes>',
          '  </object>',
        ].join('\n'),
      );
      await writeText(
        path.join(root, 'Annotations', `${t.stem}.xml`),
        [
          '<?xml version="1.0" encoding="utf-8"?>',
          '<annotation>',
          '  <folder></folder>',
          `  <filename>${t.file}</filename>`,
          '  <source>',
          '    <database>Unknown</database>',
          '    <annotation>Unknown</annotation>',
          '    <image>Unknown</image>',
          '  </source>',
          '  <size>',
          `    <width>${t.width}</width>`,
          `    <height>${t.height}</height>`,
          '    <depth></depth>',
          '  </size>',
          '  <segmented>0</segmented>',
          ...objects,
          '</annotation>',
          '',
        ].join('\n'),
      );
    }
    // CVAT names the lists after its subsets, and adds per-class and segmentation lists.
    const train = truth.slice(0, 120).map((t) => t.stem);
    const val = truth.slice(120).map((t) => t.stem);
    const main = path.join(root, 'ImageSets', 'Main');
    await writeText(path.join(main, 'Train.txt'), train.join('\n') + '\n');
    await writeText(path.join(main, 'Validation.txt'), val.join('\n') + '\n');
    await writeText(path.join(main, 'raccoon_Train.txt'), train.map((s) => `${s} 1`).join('\n'));
    await writeText(path.join(root, 'ImageSets', 'Segmentation', 'Train.txt'), train.join('\n'));
    await writeText(
      path.join(root, 'labelmap.txt'),
      '# label:color_rgb:parts:actions\nbackground:0,0,0::\nraccoon:250,50,83:head:\n',
    );
    const run = await importLabels(raccoonImages, file, root);
    expect(run.stderr).toMatch(/splits from ImageSets\/Main \(160 images set\)/);
    const got = readProject(file);
    expect(got.classes).toEqual(['raccoon']);
    expectTruth(got.labels, truth);
    const want = await expectedSplits(truth, (t) => (train.includes(t.stem) ? 'train' : 'val'));
    for (const t of truth) expect(got.split.get(t.file), t.file).toBe(want.get(t.file));
  });

  it('Label Studio VOC: hashed upload names, <filename> without extension', async () => {
    const { dir, file } = await project('label-studio');
    for (const t of truth) {
      const name = `${uploadPrefix(t.file)}-${t.stem}`;
      // label_studio_converter writes it in one line, with a <source> holding an <annotation>.
      const objects = t.boxes
        .map(
          ([x1, y1, x2, y2]) =>
            `<object><name>raccoon</name><pose>Unspecified</pose><truncated>0</truncated><difficult>0</difficult><bndbox><xmin>${x1}</xmin><ymin>${y1}</ymin><xmax>${x2}</xmax><ymax>${y2}</ymax></bndbox></object>`,
        )
        .join('');
      await writeText(
        path.join(dir, 'export', 'Annotations', `${name}.xml`),
        `<?xml version="1.0" encoding="utf-8"?><annotation><folder>images</folder><filename>${name}</filename><source><database>MyDatabase</database><annotation>COCO2017</annotation><image>flickr</image><flickrid>NULL</flickrid><annotator>me@example.com</annotator></source><owner><flickrid>NULL</flickrid><name>Label Studio</name></owner><size><width>${t.width}</width><height>${t.height}</height><depth>3</depth></size><segmented>0</segmented>${objects}</annotation>`,
      );
    }
    const run = await importLabels(raccoonImages, file, path.join(dir, 'export'));
    expect(run.stderr).toMatch(/160 image name\(s\) are Label Studio upload names/);
    expectTruth(readProject(file).labels, truth);
  });

  it('a <filename> that differs from the XML name (stale, without extension, absolute) still finds the photo', async () => {
    const { dir, file } = await project('filenames');
    const forms = [
      (t: TruthImage) => `IMG_${1000 + truth.indexOf(t)}.JPG`, // renamed since: the XML's name tells
      (t: TruthImage) => t.stem,
      (t: TruthImage) => `C:\\Users\\me\\raccoon\\images\\${t.file}`,
      (t: TruthImage) => `/home/me/raccoon/${t.file}`,
    ];
    for (const [i, t] of truth.entries()) {
      const objects = t.boxes.map((b) => `<object><name>raccoon</name>${bndbox(b, '')}</object>`);
      await writeText(
        path.join(dir, 'labels', `${t.stem}.xml`),
        `<annotation><filename>${forms[i % forms.length]!(t)}</filename>${objects.join('')}</annotation>`,
      );
    }
    await importLabels(raccoonImages, file, path.join(dir, 'labels'));
    expectTruth(readProject(file).labels, truth);
  });
});
