import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { cdkJsonContext } from '../lib/app.ts';
import { readSettings } from '../lib/settings.ts';

function settings(context: Record<string, unknown>) {
  return readSettings(new App({ context: { ...cdkJsonContext(), ...context } }).node);
}

describe('synth-time settings (CDK context)', () => {
  it('cdk.json gives every default', () => {
    assert.deepEqual(settings({}), {
      region: 'us-east-1',
      availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f'],
      workerMaxInstances: 4,
      warmPoolSize: 1,
      backlogPerInstance: 6,
      cognito: false,
      model: 'view-classifier',
      webAppOrigins: [],
    });
  });

  it('values given with -c arrive as strings and are parsed', () => {
    const s = settings({ region: 'eu-west-1', availabilityZones: 'eu-west-1a, eu-west-1b', workerMaxInstances: '8', cognito: 'true', model: 'view-classifier@1.0.0' });
    assert.deepEqual(s.availabilityZones, ['eu-west-1a', 'eu-west-1b']);
    assert.equal(s.workerMaxInstances, 8);
    assert.equal(s.cognito, true);
    assert.equal(s.model, 'view-classifier@1.0.0');
  });

  it('a bad value stops synth with a message naming the setting and what is accepted', () => {
    assert.throws(() => settings({ region: 'moon-1' }), /context region=moon-1 is not an AWS region name/);
    assert.throws(() => settings({ availabilityZones: 'us-west-2a,us-west-2b' }), /us-west-2a is not in region us-east-1/);
    assert.throws(() => settings({ availabilityZones: 'us-east-1a' }), /at least two zones/);
    assert.throws(() => settings({ workerMaxInstances: 'many' }), /workerMaxInstances=many is not valid: give an integer from 1 to 500/);
    assert.throws(() => settings({ warmPoolSize: 9 }), /warmPoolSize=9 is not valid: give an integer from 0 to 3/);
    assert.throws(() => settings({ cognito: 'yes' }), /cognito=yes is not valid: give true or false/);
    assert.throws(() => settings({ model: '../etc' }), /model=..\/etc is not valid/);
    assert.throws(() => settings({ webAppOrigins: 'https://echo.example.org/' }), /webAppOrigins: https:\/\/echo.example.org\/ is not an origin/);
    assert.throws(() => settings({ webAppOrigins: 'http://echo.example.org' }), /is not an origin/);
    assert.deepEqual(settings({ webAppOrigins: 'https://echo.example.org, http://localhost:5173' }).webAppOrigins, ['https://echo.example.org', 'http://localhost:5173']);
  });
});
