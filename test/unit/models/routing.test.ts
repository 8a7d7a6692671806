import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateDeployment } from '../../../src/models/deployment.ts';
import { Checker } from '../../../src/models/manifest-checker.ts';
import { globMatch, planRoute, type RouteInput, type RouteRule, validateRule } from '../../../src/models/routing.ts';

const upload = (over: Partial<RouteInput> = {}): RouteInput => ({ name: 'a4c.dcm', format: 'dicom', key: 'site-a/a4c.dcm', study: null, tags: [], ...over });
const rule = (id: string, model: string, match: RouteRule['match'], shadow = false): RouteRule => ({ id, model, shadow, match });

test('globs: * any run, ? one character, everything else literal', () => {
  assert.ok(globMatch('*.dcm', 'a4c.dcm'));
  assert.ok(!globMatch('*.dcm', 'a4c.dcmx'));
  assert.ok(globMatch('trial-??', 'trial-07'));
  assert.ok(!globMatch('trial-??', 'trial-7'));
  assert.ok(globMatch('a.b(c)', 'a.b(c)'));
  assert.ok(!globMatch('a.b', 'axb'), 'a dot is literal');
});

test('no rule matching: the active model alone', () => {
  const plan = planRoute([rule('v', 'video-model@1.0.0', { format: ['video'] })], 'vc@1.0.0', upload());
  assert.deepEqual(plan, { primary: 'vc@1.0.0', shadows: [], matched: [] });
});

test('the first matching primary rule replaces the active model; shadow rules add models, each once', () => {
  const rules = [
    rule('shadow-all', 'vc@2.0.0', {}, true),
    rule('dicom', 'dicom-model@1.0.0', { format: ['dicom'] }),
    rule('dicom-later', 'other@1.0.0', { format: ['dicom'] }),
    rule('shadow-again', 'vc@2.0.0', { name: '*.dcm' }, true),
    rule('shadow-primary', 'dicom-model@1.0.0', {}, true),
  ];
  assert.deepEqual(planRoute(rules, 'vc@1.0.0', upload()), {
    primary: 'dicom-model@1.0.0',
    shadows: ['vc@2.0.0'],
    matched: ['shadow-all', 'dicom', 'shadow-again', 'shadow-primary'],
  });
});

test('criteria: format family, key prefix, study glob, any tag; all given must hold', () => {
  const mat = rule('mat', 'm@1.0.0', { format: ['mat'] });
  assert.equal(planRoute([mat], 'a@1.0.0', upload({ format: 'mat-v73' })).primary, 'm@1.0.0');
  assert.equal(planRoute([mat], 'a@1.0.0', upload({ format: 'mat-v5' })).primary, 'm@1.0.0');
  assert.equal(planRoute([mat], 'a@1.0.0', upload()).primary, 'a@1.0.0');
  const key = rule('k', 'm@1.0.0', { key: 'site-a/' });
  assert.equal(planRoute([key], 'a@1.0.0', upload()).primary, 'm@1.0.0');
  assert.equal(planRoute([key], 'a@1.0.0', upload({ key: 'site-b/x.dcm' })).primary, 'a@1.0.0');
  const study = rule('s', 'm@1.0.0', { study: 'trial-*' });
  assert.equal(planRoute([study], 'a@1.0.0', upload()).primary, 'a@1.0.0', 'no study never matches a study rule');
  assert.equal(planRoute([study], 'a@1.0.0', upload({ study: 'trial-x' })).primary, 'm@1.0.0');
  const tag = rule('t', 'm@1.0.0', { tag: ['research', 'trial'] });
  assert.equal(planRoute([tag], 'a@1.0.0', upload({ tags: ['trial'] })).primary, 'm@1.0.0');
  assert.equal(planRoute([tag], 'a@1.0.0', upload({ tags: ['other'] })).primary, 'a@1.0.0');
  const both = rule('b', 'm@1.0.0', { format: ['dicom'], tag: ['trial'] });
  assert.equal(planRoute([both], 'a@1.0.0', upload({ tags: ['trial'] })).primary, 'm@1.0.0');
  assert.equal(planRoute([both], 'a@1.0.0', upload({ format: 'video', tags: ['trial'] })).primary, 'a@1.0.0');
});

test('rules and the record are validated field by field', () => {
  const c = new Checker('deployment.json');
  const bad: [unknown, RegExp][] = [
    [{ id: 'x', model: 'm', match: {} }, /rules\[0\]\.model" must be name@version/],
    [{ id: 'X!', model: 'm@1.0.0', match: {} }, /rules\[0\]\.id"/],
    [{ id: 'x', model: 'm@1.0.0', match: { format: ['gif'] } }, /match\.format\[0\]" must be one of "mat"/],
    [{ id: 'x', model: 'm@1.0.0', match: { colour: 'red' } }, /match\.colour" is not a known field/],
    [{ id: 'x', model: 'm@1.0.0', match: { tag: ['a b'] } }, /match\.tag\[0\]"/],
    [{ id: 'x', model: 'm@1.0.0', match: {}, shadow: 'yes' }, /shadow" must be true or false/],
  ];
  for (const [value, re] of bad) {
    assert.throws(() => validateDeployment({ schemaVersion: 1, active: null, rules: [value] }, 'deployment.json'), (e: Error & { code?: string }) => e.code === 'MODEL_INVALID' && re.test(e.message), String(re));
  }
  assert.throws(() => validateDeployment({ schemaVersion: 1, active: 'vc', rules: [] }, 'd'), /field "active" must be null or name@version/);
  const dup = { id: 'x', model: 'm@1.0.0', match: {} };
  assert.throws(() => validateDeployment({ schemaVersion: 1, active: null, rules: [dup, dup] }, 'd'), /repeats the rule id "x"/);
  assert.deepEqual(validateRule(c, { id: 'ok', model: 'm@1.0.0', match: { name: '*.avi' } }, 'r'), { id: 'ok', model: 'm@1.0.0', shadow: false, match: { name: '*.avi' } });
});
