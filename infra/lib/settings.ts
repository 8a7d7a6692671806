/**
 * Synth-time settings, read from CDK context (`cdk.json`, or `-c name=value` on the command line). They
 * shape the template; values that only matter at deploy time are CloudFormation parameters instead
 * (see lib/parameters.ts). Every setting is documented in docs/deployment_guide.md.
 */
import type { Node } from 'constructs';

export interface Settings {
  /** AWS region the template is written for (no account is needed: the stack is account-agnostic). */
  region: string;
  /** Every Availability Zone the VPC and the worker group span. */
  availabilityZones: string[];
  /** Largest worker fleet (instances). */
  workerMaxInstances: number;
  /** Stopped, pre-initialised instances kept in the warm pool; 0 turns the warm pool off. */
  warmPoolSize: number;
  /** Target of the target-tracking policy: queued + in-flight jobs per in-service worker. */
  backlogPerInstance: number;
  /** Create a Cognito user pool as the OIDC issuer of the web app and API. */
  cognito: boolean;
  /** The model every upload runs (ECHO_CLOUD_MODEL): `name` or `name@version`, baked into the images. */
  model: string;
  /**
   * Origins of the web app (`https://echo.example.org`): the data bucket gets a CORS rule letting browsers
   * there PUT presigned uploads and GET presigned downloads. Empty: no CORS rule, and the web app sends
   * files through the API.
   */
  webAppOrigins: string[];
}

function text(node: Node, name: string, fallback: string): string {
  const value = node.tryGetContext(name);
  return value === undefined || value === null || value === '' ? fallback : String(value);
}

function integer(node: Node, name: string, fallback: number, min: number, max: number): number {
  const raw = text(node, name, String(fallback));
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`context ${name}=${raw} is not valid: give an integer from ${min} to ${max}`);
  }
  return value;
}

function flag(node: Node, name: string, fallback: boolean): boolean {
  const raw = text(node, name, String(fallback)).toLowerCase();
  if (raw !== 'true' && raw !== 'false') throw new Error(`context ${name}=${raw} is not valid: give true or false`);
  return raw === 'true';
}

function modelName(value: string): string {
  if (!/^[a-z0-9][a-z0-9._-]*(@[0-9A-Za-z.+-]+)?$/.test(value)) {
    throw new Error(`context model=${value} is not valid: give a model name or name@version (see docs/models.md)`);
  }
  return value;
}

/** `https://host[:port]` (plain http only for localhost, for a web app served on a developer's machine). */
function origins(value: string): string[] {
  const list = value
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of list) {
    if (!/^(https:\/\/[a-z0-9.-]+|http:\/\/(localhost|127\.0\.0\.1))(:\d{1,5})?$/.test(origin)) {
      throw new Error(`context webAppOrigins: ${origin} is not an origin; give https://host[:port] (no path, no trailing slash), comma-separated`);
    }
  }
  return list;
}

export function readSettings(node: Node): Settings {
  const region = text(node, 'region', 'us-east-1');
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`context region=${region} is not an AWS region name`);
  const availabilityZones = text(node, 'availabilityZones', `${region}a,${region}b,${region}c`)
    .split(',')
    .map((zone) => zone.trim())
    .filter((zone) => zone !== '');
  for (const zone of availabilityZones) {
    if (!zone.startsWith(region)) throw new Error(`context availabilityZones: ${zone} is not in region ${region}`);
  }
  if (availabilityZones.length < 2) throw new Error('context availabilityZones: give at least two zones');
  const workerMaxInstances = integer(node, 'workerMaxInstances', 4, 1, 500);
  return {
    region,
    availabilityZones,
    workerMaxInstances,
    // At least one instance stays for the Spot group.
    warmPoolSize: integer(node, 'warmPoolSize', 1, 0, workerMaxInstances - 1),
    backlogPerInstance: integer(node, 'backlogPerInstance', 6, 1, 10000),
    cognito: flag(node, 'cognito', false),
    model: modelName(text(node, 'model', 'view-classifier')),
    webAppOrigins: origins(text(node, 'webAppOrigins', '')),
  };
}
