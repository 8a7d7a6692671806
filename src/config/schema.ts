/**
 * The one configuration schema. Every setting is an `ECHO_CLOUD_*` environment variable, documented here
 * with its unit and default; docs/configuration.md is generated from this table (`npm run docs:config`).
 */
export type SettingKind = 'string' | 'integer' | 'boolean' | 'enum' | 'url';

export interface Setting {
  env: string;
  kind: SettingKind;
  default: string | null;
  doc: string;
  unit?: string;
  values?: readonly string[];
  min?: number;
  max?: number;
  secret?: boolean;
}

export const SETTINGS = {
  host: { env: 'ECHO_CLOUD_HOST', kind: 'string', default: '127.0.0.1', doc: 'Address the HTTP server listens on.' },
  port: { env: 'ECHO_CLOUD_PORT', kind: 'integer', default: '8080', min: 0, max: 65535, doc: 'TCP port of the HTTP server (0 picks a free one).' },
  dataDir: { env: 'ECHO_CLOUD_DATA_DIR', kind: 'string', default: './data', doc: 'Directory holding the embedded object store, queue, catalog, inbox and admin token.' },
  adminToken: { env: 'ECHO_CLOUD_ADMIN_TOKEN', kind: 'string', default: null, secret: true, doc: 'When set, a bearer token with the admin role accepted from start-up. When unset, the first start creates one in `<data>/admin-token` (mode 0600) and prints that path.' },
  role: { env: 'ECHO_CLOUD_ROLE', kind: 'enum', values: ['all', 'api', 'worker'], default: 'all', doc: 'What this process runs: the API (with inbox watcher), the workers, or both.' },
  store: { env: 'ECHO_CLOUD_STORE', kind: 'url', default: null, doc: 'Object store URL: `file://<dir>` or `s3://<bucket>/<prefix>` (the prefix is optional; keys live below it). Default `file://<data>/objects`.' },
  queue: { env: 'ECHO_CLOUD_QUEUE', kind: 'url', default: null, doc: 'Job queue URL: `sqlite://<file>` or `sqs://<queue name>` (looked up in ECHO_CLOUD_AWS_REGION; the queue needs a RedrivePolicy with maxReceiveCount = ECHO_CLOUD_MAX_RECEIVES). Default `sqlite://<data>/queue.sqlite`.' },
  database: { env: 'ECHO_CLOUD_DATABASE', kind: 'url', default: null, doc: 'Catalog URL: `sqlite://<path>` or `postgres://user@host:port/db`. Default `sqlite://<data>/catalog.sqlite`.' },
  workers: { env: 'ECHO_CLOUD_WORKERS', kind: 'integer', default: '1', min: 0, max: 64, doc: 'Number of worker processes (each runs the model on one clip at a time). 0 runs none.' },
  workerJobs: {
    env: 'ECHO_CLOUD_WORKER_JOBS',
    kind: 'integer',
    default: '2',
    min: 1,
    max: 8,
    doc: 'Jobs one worker process holds at once. With 2 it reads and decodes the next clip while the model runs the current one (the model still runs one clip at a time); 1 runs jobs strictly in turn.',
  },
  inferenceThreads: { env: 'ECHO_CLOUD_INFERENCE_THREADS', kind: 'integer', default: '1', min: 1, max: 256, doc: 'Intra-op threads of the inference session in each worker.' },
  executionProviders: { env: 'ECHO_CLOUD_EXECUTION_PROVIDERS', kind: 'string', default: 'cpu', doc: 'Comma-separated ONNX Runtime execution providers, in order of preference (`cuda,cpu` on GPU workers).' },
  modelsDir: { env: 'ECHO_CLOUD_MODELS_DIR', kind: 'string', default: null, doc: 'Directory of deployed models (`<name>/<version>/manifest.json`). Default: the bundled `models/`.' },
  model: { env: 'ECHO_CLOUD_MODEL', kind: 'string', default: 'view-classifier', doc: 'The model run on every upload: `name` (newest version) or `name@version`; `echo-cloud models activate` overrides it without a restart (docs/models.md).' },
  maxUploadBytes: { env: 'ECHO_CLOUD_MAX_UPLOAD_BYTES', kind: 'integer', default: String(2 * 1024 ** 3), min: 1, unit: 'bytes', doc: 'Largest accepted upload; larger ones get 413 ECHO_ERR_UPLOAD_TOO_LARGE.' },
  maxDecodedBytes: { env: 'ECHO_CLOUD_MAX_DECODED_BYTES', kind: 'integer', default: String(4 * 1024 ** 3), min: 1024, unit: 'bytes', doc: 'Cap on pixel data or decompressed bytes a reader may allocate for one cine.' },
  visibilitySeconds: { env: 'ECHO_CLOUD_VISIBILITY_SECONDS', kind: 'integer', default: '60', min: 2, max: 43200, unit: 's', doc: 'How long a received job stays hidden from other workers; heartbeats extend it every third of this.' },
  maxReceives: { env: 'ECHO_CLOUD_MAX_RECEIVES', kind: 'integer', default: '5', min: 1, max: 1000, doc: 'Deliveries of one job before it is dead-lettered and its clip marked failed.' },
  retryBaseSeconds: { env: 'ECHO_CLOUD_RETRY_BASE_SECONDS', kind: 'integer', default: '2', min: 0, max: 3600, unit: 's', doc: 'First retry delay after a transient failure; doubles per attempt (with jitter), capped at 300 s.' },
  jobTimeoutSeconds: { env: 'ECHO_CLOUD_JOB_TIMEOUT_SECONDS', kind: 'integer', default: '600', min: 1, max: 86400, unit: 's', doc: 'A worker running one job longer than this is killed and the job released.' },
  shutdownGraceSeconds: { env: 'ECHO_CLOUD_SHUTDOWN_GRACE_SECONDS', kind: 'integer', default: '30', min: 0, max: 3600, unit: 's', doc: 'On SIGTERM/SIGINT, how long a worker may finish its current job before releasing it.' },
  inbox: { env: 'ECHO_CLOUD_INBOX', kind: 'boolean', default: 'true', doc: 'Watch `<data>/inbox/` and ingest files dropped there.' },
  inboxSettleMs: { env: 'ECHO_CLOUD_INBOX_SETTLE_MS', kind: 'integer', default: '1000', min: 0, max: 600000, unit: 'ms', doc: 'An inbox file is ingested once its size and mtime have not changed for this long.' },
  logLevel: { env: 'ECHO_CLOUD_LOG_LEVEL', kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', doc: 'Log level of the JSON logs (pino) on stdout.' },
  oidcIssuer: { env: 'ECHO_CLOUD_OIDC_ISSUER', kind: 'url', default: null, doc: 'OIDC issuer whose bearer JWTs are accepted (exactly the `iss` claim), e.g. `https://cognito-idp.<region>.amazonaws.com/<pool>`, `https://<host>/realms/<realm>`, `https://login.microsoftonline.com/<tenant>/v2.0`. Must be https (http only on loopback). Unset: OIDC is off, only API tokens are accepted.' },
  oidcAudience: { env: 'ECHO_CLOUD_OIDC_AUDIENCE', kind: 'string', default: null, doc: 'Required with ECHO_CLOUD_OIDC_ISSUER: the audience a JWT must carry in `aud` (or, for Cognito access tokens without `aud`, in `client_id`).' },
  oidcJwksUrl: { env: 'ECHO_CLOUD_OIDC_JWKS_URL', kind: 'url', default: null, doc: "The issuer's signing keys (JWKS). Default: `jwks_uri` of the issuer's discovery document `<issuer>/.well-known/openid-configuration`." },
  oidcAlgorithms: { env: 'ECHO_CLOUD_OIDC_ALGORITHMS', kind: 'string', default: 'RS256,ES256', doc: 'Comma-separated JWT signature algorithms accepted (asymmetric only: RS*, PS*, ES*, EdDSA); anything else, `none` and HS* included, is refused.' },
  oidcRolesClaim: { env: 'ECHO_CLOUD_OIDC_ROLES_CLAIM', kind: 'string', default: null, doc: 'Optional JWT claim listing roles as `echo:<project>:<role>` (e.g. `cognito:groups`, `groups`, `roles`). Unset: roles come only from project grants (`echo-cloud project grant`).' },
  tlsCert: { env: 'ECHO_CLOUD_TLS_CERT', kind: 'string', default: null, doc: 'PEM certificate (chain) file; with ECHO_CLOUD_TLS_KEY the server speaks HTTPS only.' },
  tlsKey: { env: 'ECHO_CLOUD_TLS_KEY', kind: 'string', default: null, doc: 'PEM private key file of ECHO_CLOUD_TLS_CERT.' },
  corsOrigins: { env: 'ECHO_CLOUD_CORS_ORIGINS', kind: 'string', default: null, doc: 'Comma-separated origins (`https://app.example.org`) allowed to call the API from a browser. Unset: no CORS headers, cross-origin browser calls are refused.' },
  authFailureLimit: { env: 'ECHO_CLOUD_AUTH_FAILURE_LIMIT', kind: 'integer', default: '20', min: 1, max: 1000000, doc: 'Failed authentications (wrong, expired or revoked credentials; a request without any is not counted) one client address may make per rate-limit window; beyond it every /v1 request from that address gets 429 ECHO_ERR_RATE_LIMITED until the window ends.' },
  uploadRateLimit: { env: 'ECHO_CLOUD_UPLOAD_RATE_LIMIT', kind: 'integer', default: '600', min: 1, max: 1000000, doc: 'Uploads one client address may make per rate-limit window; beyond it 429 ECHO_ERR_RATE_LIMITED with Retry-After.' },
  rateLimitWindowSeconds: { env: 'ECHO_CLOUD_RATE_LIMIT_WINDOW_SECONDS', kind: 'integer', default: '60', min: 1, max: 86400, unit: 's', doc: 'The window of ECHO_CLOUD_AUTH_FAILURE_LIMIT and ECHO_CLOUD_UPLOAD_RATE_LIMIT.' },
  auditKey: { env: 'ECHO_CLOUD_AUDIT_KEY', kind: 'string', default: null, secret: true, doc: 'Key (at least 32 characters) signing the audit head `<data>/audit-head`. Unset: a random key in `<data>/audit-key` (mode 0600), created on first start. Keep it (or a copy) apart from the catalog.' },
  encryption: { env: 'ECHO_CLOUD_ENCRYPTION', kind: 'enum', values: ['on', 'off'], default: 'on', doc: 'Encryption at rest of the embedded (file:) object store: AES-256-GCM, a data key per object wrapped by the master key. See docs/security.md.' },
  masterKey: { env: 'ECHO_CLOUD_MASTER_KEY', kind: 'string', default: null, secret: true, doc: 'Master key of encryption at rest: 32 bytes as 44 base64 characters or 64 hex digits. When unset, the first start creates one in `<data>/master-key` (mode 0600). Back it up: without it no stored object can be read.' },
  deidentify: { env: 'ECHO_CLOUD_DEIDENTIFY', kind: 'enum', values: ['off', 'basic'], default: 'off', doc: 'De-identification on ingest: `basic` applies the DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile and masks burned-in text outside the ultrasound regions before anything is stored.' },
  deidentifyWithoutRegions: { env: 'ECHO_CLOUD_DEIDENTIFY_WITHOUT_REGIONS', kind: 'enum', values: ['band', 'refuse'], default: 'band', doc: 'With de-identification on, a DICOM cine without a Sequence of Ultrasound Regions: `band` blanks the top band (ECHO_CLOUD_DEIDENTIFY_BAND_PERCENT of the rows), `refuse` rejects it with ECHO_ERR_DEIDENTIFY_REFUSED.' },
  deidentifyBandPercent: { env: 'ECHO_CLOUD_DEIDENTIFY_BAND_PERCENT', kind: 'integer', default: '10', min: 0, max: 100, unit: '%', doc: 'Height of the top band blanked in a DICOM cine without ultrasound regions, in percent of its rows.' },
  deidentifyOtherFormats: { env: 'ECHO_CLOUD_DEIDENTIFY_OTHER_FORMATS', kind: 'enum', values: ['refuse', 'pass'], default: 'refuse', doc: 'With de-identification on, MAT and video uploads (which have no header model to de-identify): `refuse` rejects them with ECHO_ERR_DEIDENTIFY_REFUSED, `pass` stores them unchanged.' },
  awsRegion: { env: 'ECHO_CLOUD_AWS_REGION', kind: 'string', default: null, doc: 'AWS region of the S3 bucket, SQS queue and Auto Scaling group. Unset: the AWS SDK default chain (`AWS_REGION`, the profile, instance metadata). Credentials always come from the SDK default chain.' },
  awsEndpoint: { env: 'ECHO_CLOUD_AWS_ENDPOINT', kind: 'url', default: null, doc: 'Endpoint override for S3 and SQS (an emulator such as fauxqs, e.g. `http://127.0.0.1:4566`); S3 then uses path-style addressing. Unset: the AWS endpoints of the region.' },
  kmsKeyId: { env: 'ECHO_CLOUD_KMS_KEY_ID', kind: 'string', default: null, doc: 'KMS key id, alias or ARN: every S3 put is sent with SSE-KMS under it. Unset: the bucket default encryption applies.' },
  spot: { env: 'ECHO_CLOUD_SPOT', kind: 'boolean', default: 'off', doc: 'Worker on an EC2 Spot instance: poll instance metadata (IMDSv2) for the interruption notice and the rebalance recommendation; on either, stop receiving and release unfinished jobs at once.' },
  spotPollMs: { env: 'ECHO_CLOUD_SPOT_POLL_MS', kind: 'integer', default: '5000', min: 100, max: 60000, unit: 'ms', doc: 'How often the Spot watcher polls instance metadata.' },
  imdsEndpoint: { env: 'ECHO_CLOUD_IMDS_ENDPOINT', kind: 'url', default: 'http://169.254.169.254', doc: 'Instance metadata service endpoint (tests point it at a local IMDSv2 server).' },
  scaleInProtection: { env: 'ECHO_CLOUD_SCALE_IN_PROTECTION', kind: 'boolean', default: 'off', doc: 'Set Auto Scaling scale-in protection on this instance while any worker holds a job, and clear it when all are idle (needs autoscaling:SetInstanceProtection and DescribeAutoScalingInstances).' },
  autoscalingEndpoint: { env: 'ECHO_CLOUD_AUTOSCALING_ENDPOINT', kind: 'url', default: null, doc: 'Endpoint override for the Auto Scaling API (tests). Unset: the region\'s AWS endpoint.' },
  oidcClientId: { env: 'ECHO_CLOUD_OIDC_CLIENT_ID', kind: 'string', default: null, doc: 'Client id of the web app at the OIDC issuer (a public client: Authorization Code with PKCE, no secret), for the "Sign in with SSO" button. Unset: ECHO_CLOUD_OIDC_AUDIENCE (the usual case, when the API and the web app are one client). Redirect URI to register: `<server origin>/auth/callback`.' },
  oidcScopes: { env: 'ECHO_CLOUD_OIDC_SCOPES', kind: 'string', default: 'openid email profile', doc: 'Space-separated scopes the web app asks for at sign-in (must include `openid`). With Entra ID and `access_token`, add the API scope, e.g. `openid profile api://<app id>/access_as_user`.' },
  oidcWebToken: { env: 'ECHO_CLOUD_OIDC_WEB_TOKEN', kind: 'enum', values: ['auto', 'id_token', 'access_token'], default: 'auto', doc: 'Which token from the sign-in the web app sends as its bearer JWT. `auto`: the ID token when the client id equals ECHO_CLOUD_OIDC_AUDIENCE (its `aud` is the client id: Cognito, Keycloak, Entra ID), else the access token (Entra ID with a separate API audience; Cognito access tokens carry the client in `client_id`).' },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
