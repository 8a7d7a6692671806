/**
 * Routing rules: which deployed models run on an upload. Rules are checked in order against what is known
 * when the upload is stored (format sniffed from content, file name, source key, study name, tags).
 *
 * - The first matching rule that is not a shadow rule names the clip's **primary** model: its result is
 *   the clip's result (`GET /v1/clips/:id/result`). No such rule: the active model is primary.
 * - Every matching **shadow** rule adds its model as well: one more job per clip, its result stored and
 *   reachable with `?model=name@version`, never the clip's own result.
 * A model named twice runs once.
 */
import type { Checker, Json } from './manifest-checker.ts';

export interface RouteMatch {
  /** Format names (`mat-v5`, `mat-v73`, `dicom`, `video`) or families (`mat` = both MAT versions). */
  format?: string[];
  /** Glob on the file name (`*` any run of characters, `?` one character), case-sensitive. */
  name?: string;
  /** Prefix of the upload's source key (the S3 object key, the inbox path `study/file`, else the file name). */
  key?: string;
  /** Glob on the study name; an upload without a study never matches. */
  study?: string;
  /** Matches when the upload carries at least one of these tags. */
  tag?: string[];
}

export interface RouteRule {
  id: string;
  /** `name@version`. */
  model: string;
  shadow: boolean;
  /** Every criterion given must hold; `{}` matches every upload. */
  match: RouteMatch;
}

export interface RouteInput {
  name: string;
  format: string;
  key: string;
  study: string | null;
  tags: readonly string[];
}

export interface RoutePlan {
  /** `name@version` of the primary model. */
  primary: string;
  /** Further models (shadow rules), primary excluded, each once, in rule order. */
  shadows: string[];
  /** Ids of the rules that matched, in order. */
  matched: string[];
}

const FORMAT_NAMES = ['mat', 'mat-v5', 'mat-v73', 'dicom', 'video'] as const;
const FAMILIES: Record<string, string[]> = { mat: ['mat-v5', 'mat-v73'] };
const RULE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** `name@version`: the model name, then its dotted version (groups 1 and 2). */
export const MODEL_REF = /^([a-z0-9][a-z0-9-]{0,62})@(\d+\.\d+\.\d+)$/;
export const TAG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MATCH_KEYS = ['format', 'name', 'key', 'study', 'tag'];

export function validateRule(c: Checker, value: Json, field: string): RouteRule {
  const o = c.object(value, field, { required: ['id', 'model', 'match'], optional: ['shadow'] });
  const m = c.object(o.match, `${field}.match`, { required: [], optional: MATCH_KEYS });
  const match: RouteMatch = {};
  if (m.format !== undefined) {
    if (!Array.isArray(m.format) || m.format.length === 0) c.fail(`${field}.match.format`, `must be a non-empty array of ${FORMAT_NAMES.join(', ')}`);
    match.format = m.format.map((f, i) => c.oneOf(f, `${field}.match.format[${i}]`, FORMAT_NAMES));
  }
  const text = (k: 'name' | 'key' | 'study') => {
    if (m[k] !== undefined) match[k] = c.string(m[k], `${field}.match.${k}`, /^[^\u0000-\u001f]{1,255}$/, '1 to 255 printable characters');
  };
  text('name');
  text('key');
  text('study');
  if (m.tag !== undefined) {
    if (!Array.isArray(m.tag) || m.tag.length === 0) c.fail(`${field}.match.tag`, 'must be a non-empty array of tags');
    match.tag = m.tag.map((t, i) => c.string(t, `${field}.match.tag[${i}]`, TAG, 'a tag: letters, digits, "_", "." or "-" (at most 64)'));
  }
  return {
    id: c.string(o.id, `${field}.id`, RULE_ID, 'lower-case letters, digits and dashes (at most 63)'),
    model: c.string(o.model, `${field}.model`, MODEL_REF, 'name@version such as "view-classifier@1.0.0"'),
    shadow: o.shadow === undefined ? false : c.boolean(o.shadow, `${field}.shadow`),
    match,
  };
}

function ruleMatches(rule: RouteRule, input: RouteInput): boolean {
  const m = rule.match;
  if (m.format && !m.format.some((f) => (FAMILIES[f] ?? [f]).includes(input.format))) return false;
  if (m.name !== undefined && !globMatch(m.name, input.name)) return false;
  if (m.key !== undefined && !input.key.startsWith(m.key)) return false;
  if (m.study !== undefined && (input.study === null || !globMatch(m.study, input.study))) return false;
  if (m.tag && !m.tag.some((t) => input.tags.includes(t))) return false;
  return true;
}

/** The models an upload runs on, given the rules and the active model (`name@version`). */
export function planRoute(rules: readonly RouteRule[], active: string, input: RouteInput): RoutePlan {
  let primary: string | null = null;
  const shadows: string[] = [];
  const matched: string[] = [];
  for (const rule of rules) {
    if (!ruleMatches(rule, input)) continue;
    if (rule.shadow) {
      matched.push(rule.id);
      if (!shadows.includes(rule.model)) shadows.push(rule.model);
    } else if (primary === null) {
      matched.push(rule.id);
      primary = rule.model;
    }
  }
  const p = primary ?? active;
  return { primary: p, shadows: shadows.filter((s) => s !== p), matched };
}

/** `*` matches any run of characters (including none), `?` exactly one; everything else literally. */
export function globMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(text);
}
