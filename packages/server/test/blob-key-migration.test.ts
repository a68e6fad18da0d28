import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase, sqliteMigrations } from '../src/store/open-database.js';
import { SqliteResourceStore } from '../src/store/resource-store.js';
import { SecretSealer } from '../src/store/secret-sealer.js';
import { SqliteTaskStore } from '../src/store/sqlite-task-store.js';
import { makeTemporaryDirectory } from './support/test-server.js';

test('a database written before blobs keeps its files: stored paths under the data directory become the keys of the same files', async (t) => {
  const dataDirectory = await makeTemporaryDirectory();
  t.after(() => rm(dataDirectory, { recursive: true, force: true }));
  const path = join(dataDirectory, 'open-smooth.sqlite');
  // The schema as the release before blob keys left it (migrations 1 to 3), with rows holding absolute paths.
  const old = new Database(path);
  old.exec('CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)');
  sqliteMigrations.slice(0, 3).forEach((sql, index) => {
    old.exec(sql);
    old.prepare('INSERT INTO migrations (version, applied_at_ms) VALUES (?, ?)').run(index + 1, 0);
  });
  // A data directory whose own path contains "/files/" and "/tasks/": only the part from the row's own folder on counts.
  const root = '/srv/files/tasks/open-smooth';
  old.prepare("INSERT INTO files VALUES ('file_1', 'tenant', 'a b.txt', NULL, ?, 3, 1)").run(`${root}/files/file_1/a b.txt`);
  old.prepare("INSERT INTO extensions VALUES ('ext_1', 'tenant', 'tool.zip', ?, 1)").run(`${root}/extensions/ext_1/tool.zip`);
  old.prepare("INSERT INTO tasks (id, tenant, kind, status, request_json, device, created_at_ms, downloads_token) VALUES ('task_1', 'tenant', 'task', 'done', '{}', 'mobile', 1, 'token')").run();
  old.prepare("INSERT INTO downloads VALUES ('task_1', 'http://127.0.0.1/r.csv', 'r.csv', ?, 3)").run(`${root}/tasks/task_1/downloads/r.csv`);
  const step = { index: 1, url: 'http://127.0.0.1/', reasoning: '', actions: [], tokensIn: 1, tokensOut: 1, cost: 0, observationTokens: 1, observeMs: 1, modelMs: 1, actMs: 1 };
  old.prepare("INSERT INTO steps VALUES ('task_1', 1, ?)").run(JSON.stringify({ ...step, screenshotPath: `${root}/tasks/task_1/steps/step-001.jpg` }));
  old.prepare("INSERT INTO steps VALUES ('task_1', 2, ?)").run(JSON.stringify({ ...step, index: 2 }));
  old.close();

  const database = openDatabase(path);
  t.after(() => database.close());
  const resources = new SqliteResourceStore(database);
  const tasks = new SqliteTaskStore(database, SecretSealer.forDataDirectory(dataDirectory));
  assert.equal((await resources.getFile('tenant', 'file_1'))?.blobKey, 'files/file_1/a b.txt');
  assert.equal((await resources.getExtension('tenant', 'ext_1'))?.blobKey, 'extensions/ext_1/tool.zip');
  assert.deepEqual((await tasks.listDownloads('task_1')).map((download) => download.blobKey), ['tasks/task_1/downloads/r.csv']);
  const steps = await tasks.listSteps('task_1');
  assert.equal(steps[0]?.screenshotKey, 'tasks/task_1/steps/step-001.jpg');
  assert.equal(steps[0]?.screenshotPath, undefined, 'no local path is left in a step');
  assert.equal(steps[1]?.screenshotKey, undefined, 'a step without a screenshot stays without one');
});
