/** `npx cdk synth` / `npx cdk deploy` entry point (cdk.json runs it with Node's type stripping). */
import { buildApp, newApp } from '../lib/app.ts';

const app = newApp();
buildApp(app);
app.synth();
