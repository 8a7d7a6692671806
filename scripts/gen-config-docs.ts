/**
 * Writes docs/configuration.md from the one config schema (`npm run docs:config`); a unit test fails when
 * the file is out of date, so the reference never drifts from the code.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configReference } from '../src/config/reference.ts';

const target = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
writeFileSync(target, configReference());
console.log(`wrote ${target}`);
