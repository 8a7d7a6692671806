import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';

/**
 * Versioned migrations, run once each (Kysely's Migrator keeps the ledger). Only portable DDL here:
 * the same list runs on SQLite and PostgreSQL. Never edit a shipped migration; add the next one.
 */
const migrations: Record<string, Migration> = {
  '0001-initial': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('studies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('studies_project_name', ['project_id', 'name'])
        .execute();
      await db.schema
        .createTable('results')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('input_sha256', 'text', (c) => c.notNull())
        .addColumn('model_name', 'text', (c) => c.notNull())
        .addColumn('model_version', 'text', (c) => c.notNull())
        .addColumn('weights_sha256', 'text', (c) => c.notNull())
        .addColumn('document_key', 'text', (c) => c.notNull())
        .addColumn('csv_key', 'text', (c) => c.notNull())
        .addColumn('view', 'text', (c) => c.notNull())
        .addColumn('confidence', 'double precision', (c) => c.notNull())
        .addColumn('quality_mean', 'double precision', (c) => c.notNull())
        .addColumn('quality_std', 'double precision', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('results_idempotency', ['input_sha256', 'model_name', 'model_version', 'weights_sha256'])
        .execute();
      await db.schema
        .createTable('clips')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('study_id', 'text', (c) => c.references('studies.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('input_key', 'text', (c) => c.notNull().unique())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('result_id', 'text', (c) => c.references('results.id'))
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('clips_project_created').on('clips').columns(['project_id', 'created_at']).execute();
      await db.schema.createIndex('clips_status').on('clips').column('status').execute();
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('clip_id', 'text', (c) => c.notNull().references('clips.id'))
        .addColumn('model_name', 'text', (c) => c.notNull())
        .addColumn('model_version', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('result_id', 'text', (c) => c.references('results.id'))
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema.createIndex('jobs_clip').on('jobs').column('clip_id').execute();
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  },
  '0002-security-auth': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('grants')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('grants_pk', ['project_id', 'subject'])
        .execute();
      await db.schema.createIndex('grants_subject').on('grants').column('subject').execute();
      await db.schema.createIndex('tokens_project').on('tokens').column('project_id').execute();
      // Append-only: seq is the primary key, so two writers can never both append the same seq.
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('object', 'text')
        .addColumn('ip', 'text')
        .addColumn('outcome', 'integer', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    },
  },
  // Several models per clip (routing rules, backfill): a clip's jobs are its primary job, whose result is
  // the clip's result, and further jobs (shadow rules, backfill) that never change the clip's status.
  '0003-model-routing': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('jobs').addColumn('is_primary', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.createIndex('jobs_model').on('jobs').columns(['model_name', 'model_version']).execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
