import type { Config } from '../../config/load.ts';
import { serve } from '../../server/serve.ts';

/** `echo-cloud serve`: what `npm start` runs. Stops gracefully on SIGTERM/SIGINT. */
export async function serveCommand(config: Config): Promise<number> {
  const server = await serve(config);
  const where = server.url ? `EchoCloud listening on ${server.url}` : 'EchoCloud worker pool running';
  const token = config.adminToken ? 'admin token: ECHO_CLOUD_ADMIN_TOKEN' : `admin token in ${server.adminTokenFile}`;
  process.stderr.write(`${where} (data in ${config.dataDir}; ${token})\n`);
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`${signal}: stopping (uploads refused, workers finish or release their jobs)\n`);
      server.stop().then(() => resolve(0), () => resolve(1));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
