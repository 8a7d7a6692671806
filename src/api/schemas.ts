/** JSON schemas of the API's bodies; they validate requests, shape responses and feed /openapi.json. */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', example: 'ECHO_ERR_UNSUPPORTED_FORMAT' }, message: { type: 'string' } },
    },
  },
} as const;

export const clipSchema = {
  $id: 'Clip',
  type: 'object',
  required: ['id', 'status', 'name', 'created_at'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'processing', 'done', 'failed'] },
    name: { type: 'string', description: 'The uploaded file name' },
    format: { type: 'string', description: 'Detected cine format, e.g. mat-v5' },
    size: { type: 'integer', description: 'Bytes' },
    sha256: { type: 'string' },
    study_id: { type: ['string', 'null'] },
    input_key: { type: 'string' },
    deduplicated: { type: 'boolean', description: 'Present on upload: the same bytes were already processed by the same model' },
    error: {
      type: ['object', 'null'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
    result: {
      type: ['object', 'null'],
      properties: {
        view: { type: 'string' },
        confidence: { type: 'number' },
        quality_mean: { type: 'number' },
        quality_std: { type: 'number' },
        model: { type: 'string' },
      },
    },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const studyUploadSchema = {
  $id: 'StudyUpload',
  type: 'object',
  description: 'The answer to a zip upload: one clip per cine in the zip, in one study',
  required: ['study_id', 'clips', 'rejected'],
  properties: {
    study_id: { type: 'string' },
    study: { type: 'string' },
    clips: { type: 'array', items: { $ref: 'Clip#' } },
    rejected: {
      type: 'array',
      description: 'Entries that are not supported cines, with the reason',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  },
} as const;

export const resultDocumentSchema = {
  $id: 'ResultDocument',
  type: 'object',
  description: 'The result document of docs/contracts.md',
  additionalProperties: true,
  required: ['input', 'model', 'prediction', 'frames', 'timings_ms'],
  properties: {
    input: { type: 'object', additionalProperties: true },
    model: { type: 'object', additionalProperties: true },
    prediction: { type: 'object', additionalProperties: true },
    frames: { type: 'array', items: { type: 'object', additionalProperties: true } },
    timings_ms: { type: 'object', additionalProperties: true },
  },
} as const;

export const errorResponses = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  403: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  429: { $ref: 'Error#' },
} as const;
