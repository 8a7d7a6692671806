import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildResultDocument, CSV_HEADER, outputKeys, resultCsv } from '../../../src/pipeline/result-document.ts';

test('outputs mirror the input key under outputs/, without the extension', () => {
  assert.deepEqual(outputKeys('inputs/clip_1/echo.mat'), { json: 'outputs/clip_1/echo.json', csv: 'outputs/clip_1/echo.csv' });
  assert.deepEqual(outputKeys('inputs/patient.v2.mat'), { json: 'outputs/patient.v2.json', csv: 'outputs/patient.v2.csv' });
});

test('the CSV has the original header and quotes awkward file names', () => {
  const csv = resultCsv('a, "b".mat', { prediction: { view: 'AP4', confidence: 0.9, probabilities: {}, quality_mean: 0.712345678, quality_std: 0.05 } });
  const [header, row] = csv.trimEnd().split('\n');
  assert.equal(header, CSV_HEADER);
  assert.equal(header, 'filename,predicted view,predicted quality,prediction std');
  assert.equal(row, '"a, ""b"".mat",AP4,0.712346,0.05');
});

test('the document has the contract shape with rounded numbers', () => {
  const doc = buildResultDocument({
    input: { key: 'inputs/c/a.mat', sha256: 'f'.repeat(64) },
    cine: { format: 'mat-v5', frames: 10, height: 20, width: 30, fps: null },
    model: { name: 'm', version: '1', weightsSha256: 'e'.repeat(64) },
    prediction: { view: 'PLAX', confidence: 0.1234567891, probabilities: { PLAX: 0.1234567891 }, quality_mean: 0.5, quality_std: 0, frames: [{ index: 0, view: 'PLAX', confidence: 0.3333333333, quality: 0.5 }] },
    timings: { queued: 1, read: 2, inference: 3, total: 6 },
  });
  assert.deepEqual(Object.keys(doc), ['input', 'model', 'prediction', 'frames', 'timings_ms']);
  assert.equal(doc.model.sha256, 'e'.repeat(64));
  assert.equal(doc.prediction.confidence, 0.123457);
  assert.equal(doc.frames[0]?.confidence, 0.333333);
});
