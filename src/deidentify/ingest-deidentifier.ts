import { EchoError } from '../errors/catalogue.ts';
import type { IngestDeidentifier } from '../ingest/deidentify-spool.ts';
import { deidentifyDicomThreaded } from './threaded-deidentify.ts';
import { projectUidSecret } from './uid-remap.ts';

export interface DeidentifySettings {
  withoutRegions: 'band' | 'refuse';
  bandPercent: number;
  /** MAT and video files: no header model to de-identify; store unchanged or refuse. */
  otherFormats: 'pass' | 'refuse';
  maxDecodedBytes: number;
  /** Longest one file may take (ms) before it is stopped as damaged or crafted. */
  timeoutMs: number;
}

/**
 * ECHO_CLOUD_DEIDENTIFY=basic on ingest: DICOM files are de-identified (deidentify-dicom.ts) with the
 * upload's project's UID secret; other formats pass or are refused as configured.
 */
export function createIngestDeidentifier(settings: DeidentifySettings, spoolDir: string, rootSecret: () => Promise<Buffer>): IngestDeidentifier {
  return {
    spoolDir,
    async file({ path, outPath, name, format, projectId }) {
      if (format !== 'dicom') {
        if (settings.otherFormats === 'pass') return path;
        throw new EchoError(
          'DEIDENTIFY_REFUSED',
          `file "${name}" is ${format}, which has no header that can be de-identified; with ECHO_CLOUD_DEIDENTIFY=basic only DICOM is accepted (ECHO_CLOUD_DEIDENTIFY_OTHER_FORMATS=pass stores such files unchanged)`,
          { details: { file: name, format } },
        );
      }
      const projectSecret = projectUidSecret(await rootSecret(), projectId);
      const options = { projectSecret, withoutRegions: settings.withoutRegions, bandPercent: settings.bandPercent, maxDecodedBytes: settings.maxDecodedBytes };
      await deidentifyDicomThreaded(path, outPath, name, options, settings.timeoutMs);
      return outPath;
    },
  };
}
