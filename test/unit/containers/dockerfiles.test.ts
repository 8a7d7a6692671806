/**
 * Lints the container images' Dockerfiles (no Docker engine or hadolint here): pinned bases, multi-stage,
 * non-root final stage, no remote ADD, apt lists cleaned, production-only npm installs (dev dependencies
 * only in a build stage that hands on nothing but built files: the web app), the CUDA 12
 * onnxruntime-node install for the GPU worker, a health check for the server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parse(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\w+)\s+([\s\S]*)$/.exec(line);
    if (!match) throw new Error(`cannot parse: ${line}`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`bad FROM: ${args}`);
      stages.push({ from: from[1]!, name: from[2], instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${keyword} before FROM`);
      stage.instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** Every rule violation of one Dockerfile (empty when it passes). */
function lint(text: string): string[] {
  const problems: string[] = [];
  const stages = parse(text);
  const names = new Set<string>();
  /** Stages that installed dev dependencies: only built files (…/dist) may be copied out of them. */
  const devStages = new Set<string>();
  if (stages.length < 2) problems.push('not multi-stage');
  for (const stage of stages) {
    if (names.has(stage.from)) {
      // Based on an earlier stage: that stage's own FROM is checked.
    } else if (!/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/.test(stage.from)) {
      problems.push(`FROM ${stage.from} is not image:tag@sha256:<digest>`);
    }
    if (/:latest(@|$)/.test(stage.from)) problems.push(`FROM ${stage.from} uses the latest tag`);
    for (const { keyword, args } of stage.instructions) {
      if (keyword === 'ADD') problems.push(`ADD ${args}: use COPY${/https?:\/\//.test(args) ? ' (remote URL)' : ''}`);
      if (keyword === 'COPY') {
        const from = /--from=(\S+)/.exec(args)?.[1];
        if (from && !names.has(from)) problems.push(`COPY --from=${from} names no earlier stage`);
        if (from && devStages.has(from)) {
          const sources = args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
          for (const src of sources) if (!/\/dist\/?$/.test(src)) problems.push(`COPY --from=${from} ${src}: a stage with dev dependencies may hand on only built files (.../dist)`);
        }
      }
      if (keyword === 'RUN') {
        if (/apt-get install/.test(args)) {
          if (!/--no-install-recommends/.test(args)) problems.push('apt-get install without --no-install-recommends');
          if (!/rm -rf \/var\/lib\/apt\/lists\/\*/.test(args)) problems.push('apt lists not removed in the same RUN');
          if (!/apt-get update/.test(args)) problems.push('apt-get install without apt-get update in the same RUN');
        }
        if (/\bnpm (install|i)\b/.test(args)) problems.push(`npm install in an image: use npm ci (${args})`);
        if (/\bnpm ci\b/.test(args) && !/--omit=dev/.test(args)) {
          // Dev dependencies only in a named build stage (the web app's bundler), never in the final one.
          if (stage === stages.at(-1) || !stage.name) problems.push('npm ci without --omit=dev outside a named build stage');
          else devStages.add(stage.name);
        }
        if (/\bcurl\b[^|]*\|\s*(ba)?sh/.test(args)) problems.push('curl piped to a shell');
        if (/\bsudo\b/.test(args)) problems.push('sudo in RUN');
      }
      if ((keyword === 'CMD' || keyword === 'ENTRYPOINT') && !args.startsWith('[')) problems.push(`${keyword} not in exec form`);
    }
    if (stage.name) names.add(stage.name);
  }
  const final = stages.at(-1);
  if (final) {
    const users = final.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args.split(':')[0]!);
    const user = users.at(-1);
    if (!user) problems.push('final stage has no USER');
    else if (user === 'root' || user === '0') problems.push('final stage runs as root');
  }
  if (!/docker buildx imagetools inspect/.test(text)) problems.push('no note on refreshing the pinned digests');
  return problems;
}

function instructions(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

const root = new URL('../../../', import.meta.url);
const server = readFileSync(new URL('Dockerfile', root), 'utf8');
const worker = readFileSync(new URL('Dockerfile.worker', root), 'utf8');

describe('Dockerfiles', () => {
  it('the server image passes every rule', () => {
    assert.deepEqual(lint(server), []);
  });

  it('the worker image passes every rule', () => {
    assert.deepEqual(lint(worker), []);
  });

  it('the server answers a HEALTHCHECK on /healthz and listens on all interfaces', () => {
    const final = parse(server).at(-1)!;
    const [check] = instructions(final, 'HEALTHCHECK');
    assert.match(check ?? '', /CMD \[.*\/healthz/);
    assert.match(instructions(final, 'ENV').join(' '), /ECHO_CLOUD_HOST=0\.0\.0\.0/);
    assert.deepEqual(instructions(final, 'EXPOSE'), ['8080']);
  });

  it('the server image builds the web app in its own stage and copies only web/dist into the final stage', () => {
    const stages = parse(server);
    const web = stages.find((s) => instructions(s, 'RUN').some((r) => /\bnpm run build:web\b/.test(r)));
    assert.ok(web?.name, 'a named stage runs npm run build:web');
    const runs = instructions(web, 'RUN');
    const install = runs.findIndex((r) => /\bnpm ci\b/.test(r));
    assert.ok(install >= 0 && !/--omit=dev/.test(runs[install]!), 'it installs the dev dependencies (vite) with npm ci');
    assert.ok(install < runs.findIndex((r) => /build:web/.test(r)));
    assert.ok(instructions(web, 'COPY').some((c) => /^web\s/.test(c)), 'it copies the web sources');
    const final = stages.at(-1)!;
    assert.notEqual(final, web);
    assert.deepEqual(
      instructions(final, 'COPY').filter((c) => c.includes(`--from=${web.name}`)),
      [`--from=${web.name} /app/web/dist ./web/dist`],
    );
    const ignore = readFileSync(new URL('.dockerignore', root), 'utf8').split('\n').map((l) => l.trim());
    assert.ok(ignore.includes('web/dist'), 'a local web/dist stays out of the build context');
    assert.ok(!ignore.includes('web'), 'the web sources are in the build context');
    assert.ok(ignore.includes('!scripts/ensure-web.ts'), 'the build script (npm run build:web) is in the build context');
  });

  it('the worker: CUDA runtime base, Node 22 binary, onnxruntime-node installed with ONNXRUNTIME_NODE_INSTALL=cuda12', () => {
    const stages = parse(worker);
    const final = stages.at(-1)!;
    assert.match(final.from, /^nvidia\/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu\d+\.\d+@sha256:/);
    assert.ok(stages.some((s) => /^node:22-/.test(s.from)), 'Node 22 comes from the official node:22 image');
    assert.ok(instructions(final, 'COPY').some((c) => /--from=node \/usr\/local\/bin\/node/.test(c)));
    const deps = stages.find((s) => instructions(s, 'RUN').some((r) => /npm ci/.test(r)))!;
    const envBeforeInstall = deps.instructions.slice(0, deps.instructions.findIndex((i) => /npm ci/.test(i.args)));
    assert.ok(envBeforeInstall.some((i) => i.keyword === 'ENV' && /ONNXRUNTIME_NODE_INSTALL=cuda12/.test(i.args)));
    assert.match(instructions(final, 'ENV').join(' '), /ECHO_CLOUD_EXECUTION_PROVIDERS=cuda,cpu/);
  });

  it('the linter catches what it claims to (a bad Dockerfile fails every rule)', () => {
    const bad = [
      'FROM node:latest',
      'ADD https://example.com/x.tgz /x.tgz',
      'RUN apt-get install -y curl',
      'RUN npm install',
      'COPY --from=nowhere /a /b',
      'CMD node server.js',
    ].join('\n');
    const problems = lint(bad);
    for (const expected of [
      'not multi-stage',
      'FROM node:latest is not image:tag@sha256:<digest>',
      'FROM node:latest uses the latest tag',
      'ADD https://example.com/x.tgz /x.tgz: use COPY (remote URL)',
      'apt-get install without --no-install-recommends',
      'apt lists not removed in the same RUN',
      'npm install in an image: use npm ci (npm install)',
      'COPY --from=nowhere names no earlier stage',
      'CMD not in exec form',
      'final stage has no USER',
      'no note on refreshing the pinned digests',
    ]) {
      assert.ok(problems.includes(expected), `missing: ${expected}\n${problems.join('\n')}`);
    }
    assert.deepEqual(lint(`# docker buildx imagetools inspect\nFROM a:1@sha256:${'a'.repeat(64)} AS b\nFROM b\nUSER root\n`), [
      'final stage runs as root',
    ]);
    const base = `a:1@sha256:${'a'.repeat(64)}`;
    assert.deepEqual(
      lint(`# docker buildx imagetools inspect\nFROM ${base} AS dev\nRUN npm ci\nFROM ${base}\nCOPY --from=dev /app/node_modules /app/web/dist ./\nRUN npm ci\nUSER 1\n`),
      ['COPY --from=dev /app/node_modules: a stage with dev dependencies may hand on only built files (.../dist)', 'npm ci without --omit=dev outside a named build stage'],
    );
  });

  it('.dockerignore keeps modules, git, infra and test data out of the build context', () => {
    const ignore = readFileSync(new URL('.dockerignore', root), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['**/node_modules', '.git', 'infra', 'test', 'data']) assert.ok(ignore.includes(entry), entry);
    for (const needed of ['src', 'bin', 'models', 'package.json', 'package-lock.json']) assert.ok(!ignore.includes(needed), needed);
  });
});
