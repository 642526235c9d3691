// Drives a Basalt server with Rockset's official JS client, @rockset/client
// 0.9.2, over the areas Basalt implements: workspaces, collections,
// documents, queries (synchronous, paginated, async, cancelled, validated)
// query lambdas (versions, tags, execution), and, with BASALT_API_KEY (an
// admin key), API keys and what their roles allow. Run by
// server/httpapi/rocksetjs_test.go:
//
//   BASALT_URL=http://127.0.0.1:3030 node compat.mjs
//
// Exits 0 when every check passes; otherwise prints the failed check, the
// HTTP exchange that led to it, and exits 1.
//
// How the client surfaces errors (dist/index.js): on a non-2xx answer it
// reads the body and throws JSON.parse(body), i.e. Rockset's ErrorModel
// {message, type, ...}; only when the body is not JSON does it throw
// {code: status, message: statusText, bodyText}. The HTTP status itself is
// not in what it throws, so this script records every response the client
// receives by wrapping node-fetch's `default` export, which the client looks
// up on each call (node_fetch_1.default(url, options)).

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);

const BASALT_URL = (process.env.BASALT_URL || '').replace(/\/+$/, '');
if (!BASALT_URL) {
  console.error('compat.mjs: set BASALT_URL to the server, e.g. http://127.0.0.1:3030');
  process.exit(2);
}

// --- record the HTTP exchanges the client makes -----------------------------
const nodeFetch = require('node-fetch');
const realFetch = nodeFetch.default;
const exchanges = [];
nodeFetch.default = async function recordingFetch(url, options = {}) {
  const ex = { method: options.method || 'GET', url: String(url), request: options.body };
  exchanges.push(ex);
  const res = await realFetch(url, options);
  ex.status = res.status;
  ex.contentType = res.headers.get('content-type');
  // Keep a copy of the body for failure reports without consuming the
  // client's stream.
  res
    .clone()
    .text()
    .then((t) => { ex.response = t; }, () => {});
  return res;
};
const last = () => exchanges[exchanges.length - 1];

// The documented way to create the client (README: "most sans-TypeScript
// projects currently require rockset.default(...)").
const rockset = require('@rockset/client').default;
assert.equal(typeof rockset, 'function', "require('@rockset/client').default is not a function");
// BASALT_API_KEY is an admin key when the server requires keys.
const ADMIN_KEY = process.env.BASALT_API_KEY || 'any-api-key';
const client = rockset(ADMIN_KEY, BASALT_URL);

// --- tiny harness --------------------------------------------------------------
let passed = 0;
let current = '';
async function step(name, fn) {
  current = name;
  const before = exchanges.length;
  await fn();
  // Every answer the client received in this step: 2xx answers must be JSON.
  for (const ex of exchanges.slice(before)) {
    if (ex.status >= 200 && ex.status < 300) {
      assert.match(ex.contentType || '', /^application\/json/, `${ex.method} ${ex.url}: 2xx answer is not JSON (${ex.contentType})`);
    }
  }
  passed++;
  console.log(`ok   ${name}`);
}

// rejects calls fn, whose promise must reject; it checks what the client
// threw (Rockset's ErrorModel) and the HTTP status of the answer.
async function rejects(fn, status, type, messageRe) {
  const before = exchanges.length;
  let thrown;
  try {
    const v = await fn();
    assert.fail(`expected the client to reject with ${type}/${status}, it resolved with ${JSON.stringify(v)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    thrown = e;
  }
  assert.ok(exchanges.length > before, 'the client made no HTTP request (is node-fetch hooked?)');
  const ex = last();
  assert.equal(ex.status, status, `HTTP status of ${ex.method} ${ex.url}`);
  assert.match(ex.contentType || '', /^application\/json/, 'error answers are JSON');
  assert.ok(thrown !== null && typeof thrown === 'object', `the client threw ${typeof thrown}: ${String(thrown)}`);
  assert.equal(thrown.type, type, `error type in ${JSON.stringify(thrown)}`);
  assert.equal(typeof thrown.message, 'string', 'error message');
  assert.ok(thrown.message.length > 0, 'error message is empty');
  if (messageRe) assert.match(thrown.message, messageRe);
  return thrown;
}

function statuses(res) {
  return res.data.map((d) => d.status);
}

// --- the scenario -----------------------------------------------------------------
const suffix = randomBytes(4).toString('hex');
const WS = `compat_${suffix}`;
const COLL = 'events';
const now = Date.now();

async function docCount() {
  const res = await client.collections.getCollection(WS, COLL);
  return res.data.stats.doc_count;
}

async function main() {
  await step('listWorkspaces: commons exists', async () => {
    const res = await client.workspaces.listWorkspaces();
    assert.ok(Array.isArray(res.data), 'data is an array');
    assert.ok(res.data.some((w) => w.name === 'commons'), `commons in ${JSON.stringify(res.data)}`);
    assert.ok(exchanges.length > 0 && exchanges[0].status === 200, 'node-fetch hook saw the request');
  });

  await step('createWorkspace with a description', async () => {
    const res = await client.workspaces.createWorkspace({ name: WS, description: 'rockset-js compat' });
    assert.equal(res.data.name, WS);
    assert.equal(res.data.description, 'rockset-js compat');
    assert.equal(res.data.collection_count, 0);
    assert.ok(!Number.isNaN(Date.parse(res.data.created_at)), `created_at ${res.data.created_at}`);
  });

  await step('getWorkspace and listWorkspaces show it', async () => {
    const got = await client.workspaces.getWorkspace(WS);
    assert.equal(got.data.name, WS);
    assert.equal(got.data.description, 'rockset-js compat');
    const list = await client.workspaces.listWorkspaces();
    const w = list.data.find((x) => x.name === WS);
    assert.ok(w, `${WS} in ${JSON.stringify(list.data)}`);
    assert.equal(w.description, 'rockset-js compat');
  });

  await step('createWorkspace twice: ALREADYEXISTS 409', async () => {
    await rejects(() => client.workspaces.createWorkspace({ name: WS }), 409, 'ALREADYEXISTS');
  });

  await step('getWorkspace of a missing workspace: NOTFOUND 404', async () => {
    await rejects(() => client.workspaces.getWorkspace(`missing_${suffix}`), 404, 'NOTFOUND');
  });

  await step('createCollection with retention_secs and event_time_info', async () => {
    const res = await client.collections.createCollection(WS, {
      name: COLL,
      description: 'click stream',
      retention_secs: 7 * 86400,
      event_time_info: { field: 'ts', format: 'milliseconds_since_epoch', time_zone: 'UTC' },
    });
    assert.equal(res.data.name, COLL);
    assert.equal(res.data.workspace, WS);
    assert.equal(res.data.description, 'click stream');
    assert.equal(res.data.retention_secs, 7 * 86400);
    assert.ok(['CREATED', 'READY'].includes(res.data.status), `status ${res.data.status}`);
  });

  await step('getCollection: READY, empty, settings kept', async () => {
    const res = await client.collections.getCollection(WS, COLL);
    assert.equal(res.data.name, COLL);
    assert.equal(res.data.workspace, WS);
    assert.equal(res.data.status, 'READY');
    assert.equal(res.data.retention_secs, 7 * 86400);
    assert.deepEqual(res.data.event_time_info, { field: 'ts', format: 'milliseconds_since_epoch', time_zone: 'UTC' });
    assert.ok(!Number.isNaN(Date.parse(res.data.created_at)), `created_at ${res.data.created_at}`);
    assert.equal(typeof res.data.stats, 'object');
    assert.equal(res.data.stats.doc_count, 0);
  });

  await step('workspaceCollections, listCollections and collection_count', async () => {
    const inWs = await client.collections.workspaceCollections(WS);
    assert.deepEqual(inWs.data.map((c) => c.name), [COLL]);
    const all = await client.collections.listCollections();
    assert.ok(all.data.some((c) => c.name === COLL && c.workspace === WS), `${WS}.${COLL} in listCollections`);
    const ws = await client.workspaces.getWorkspace(WS);
    assert.equal(ws.data.collection_count, 1);
  });

  await step('createCollection twice: ALREADYEXISTS 409', async () => {
    await rejects(() => client.collections.createCollection(WS, { name: COLL }), 409, 'ALREADYEXISTS');
  });

  await step('getCollection of a missing collection: NOTFOUND 404', async () => {
    await rejects(() => client.collections.getCollection(WS, `missing_${suffix}`), 404, 'NOTFOUND');
  });

  let generatedId;
  await step('addDocuments: with and without _id, one malformed', async () => {
    const res = await client.documents.addDocuments(WS, COLL, {
      data: [
        { _id: 'a', ts: now, user: { id: 7, device: { os: 'ios' } }, n: 1, tags: ['new'] },
        { ts: now + 1, user: { id: 8 }, n: 2 },
        42, // not an object: fails alone
        { _id: 'b', ts: now + 2, n: 3 },
      ],
    });
    assert.deepEqual(statuses(res), ['ADDED', 'ADDED', 'ERROR', 'ADDED']);
    for (const d of res.data) assert.equal(d._collection, COLL);
    assert.equal(res.data[0]._id, 'a');
    generatedId = res.data[1]._id;
    assert.equal(typeof generatedId, 'string', 'generated _id');
    assert.ok(generatedId.length > 0, 'generated _id is empty');
    assert.equal(res.data[3]._id, 'b');
    for (const i of [0, 1, 3]) assert.equal(res.data[i].error, null, `data[${i}].error`);
    const err = res.data[2].error;
    assert.equal(err.type, 'INVALIDINPUT', JSON.stringify(err));
    assert.match(err.message, /object/i);
    assert.equal(typeof res.last_offset, 'string', 'last_offset');
    assert.equal(await docCount(), 3);
  });

  await step('addDocuments again with the same _id: REPLACED', async () => {
    const res = await client.documents.addDocuments(WS, COLL, {
      data: [{ _id: 'a', ts: now, n: 1, tags: ['new'], replaced: true }],
    });
    assert.deepEqual(statuses(res), ['REPLACED']);
    assert.equal(res.data[0]._id, 'a');
    assert.equal(await docCount(), 3);
  });

  await step('patchDocuments: REPLACE (upper case), increment, add, remove', async () => {
    const res = await client.documents.patchDocuments(WS, COLL, {
      data: [
        {
          _id: 'a',
          patch: [
            { op: 'REPLACE', path: '/n', value: 10 },
            { op: 'increment', path: '/n', value: 5 },
            { op: 'add', path: '/tags/-', value: 'vip' },
            { op: 'remove', path: '/replaced' },
          ],
        },
        { _id: `missing_${suffix}`, patch: [{ op: 'add', path: '/x', value: 1 }] },
      ],
    });
    assert.deepEqual(statuses(res), ['PATCHED', 'ERROR']);
    assert.equal(res.data[0]._id, 'a');
    assert.equal(res.data[0].error, null);
    assert.equal(res.data[1].error.type, 'NOTFOUND', JSON.stringify(res.data[1].error));
    assert.equal(await docCount(), 3);
  });

  await step('patchDocuments with "test": the previous patch was applied', async () => {
    // No queries yet, so read the document back through JSON Patch's test.
    const ok = await client.documents.patchDocuments(WS, COLL, {
      data: [
        {
          _id: 'a',
          patch: [
            { op: 'test', path: '/n', value: 15 },
            { op: 'test', path: '/tags', value: ['new', 'vip'] },
          ],
        },
      ],
    });
    assert.deepEqual(statuses(ok), ['PATCHED']);
    const bad = await client.documents.patchDocuments(WS, COLL, {
      data: [
        { _id: 'a', patch: [{ op: 'TEST', path: '/n', value: 1 }] },
        { _id: 'a', patch: [{ op: 'test', path: '/replaced', value: true }] },
      ],
    });
    assert.deepEqual(statuses(bad), ['ERROR', 'ERROR']);
    for (const d of bad.data) assert.equal(typeof d.error.message, 'string');
  });

  await step('deleteDocuments: DELETED', async () => {
    const res = await client.documents.deleteDocuments(WS, COLL, {
      data: [{ _id: 'b' }, { _id: generatedId }],
    });
    assert.deepEqual(statuses(res), ['DELETED', 'DELETED']);
    assert.deepEqual(res.data.map((d) => d._id), ['b', generatedId]);
    assert.equal(await docCount(), 1);
  });

  await step('updateCollection and getCollectionOffsets: NOTIMPLEMENTEDYET 501', async () => {
    // Client methods on the collections Basalt serves that it does not
    // implement yet: a clear 501, not a 404 that reads as "no such collection".
    await rejects(() => client.collections.updateCollection(WS, COLL, { description: 'new' }), 501, 'NOTIMPLEMENTEDYET');
    await rejects(() => client.collections.getCollectionOffsets(WS, COLL, { name: ['f1:1'] }), 501, 'NOTIMPLEMENTEDYET');
    await rejects(() => client.collections.updateCollection(WS, `missing_${suffix}`, { description: 'new' }), 404, 'NOTFOUND');
  });

  await step('addDocuments to a missing collection: NOTFOUND 404', async () => {
    await rejects(() => client.documents.addDocuments(WS, `missing_${suffix}`, { data: [{ _id: 'x' }] }),
      404,
      'NOTFOUND',
    );
  });

  await step('deleteWorkspace of a non-empty workspace: DEPENDENTRESOURCES 409', async () => {
    await rejects(() => client.workspaces.deleteWorkspace(WS), 409, 'DEPENDENTRESOURCES');
  });

  await step('queries: synchronous, paginated with cursors, errors', async () => {
    const res = await client.queries.query({ sql: { query: `SELECT _id, n FROM ${WS}.${COLL}`, parameters: [] } });
    assert.equal(res.status, 'COMPLETED');
    assert.deepEqual(res.results, [{ _id: 'a', n: 15 }]);
    assert.deepEqual(res.collections, [`${WS}.${COLL}`]);
    const first = await client.queries.query({
      sql: { query: 'SELECT g FROM generate_series(1, 25) AS g ORDER BY g' },
      max_initial_results: 10,
    });
    const got = first.results.map((r) => r.g);
    assert.equal(first.results_total_doc_count, 25);
    let cursor = first.pagination.next_cursor;
    while (cursor) {
      const page = await client.queries.getQueryResults(first.query_id, cursor, 10);
      assert.equal(page.pagination.current_page_doc_count, page.results.length);
      got.push(...page.results.map((r) => r.g));
      cursor = page.pagination.next_cursor;
    }
    assert.deepEqual(got, Array.from({ length: 25 }, (_, i) => i + 1));
    await rejects(() => client.queries.query({ sql: { query: `SELECT * FROM ${WS}.missing_${suffix}` } }), 400, 'QUERY_ERROR');
  });

  await step('queries: async poll until COMPLETED, then pages', async () => {
    const sub = await client.queries.query({ sql: { query: 'SELECT g FROM generate_series(1, 30) AS g ORDER BY g DESC' }, async: true });
    assert.ok(['QUEUED', 'RUNNING', 'COMPLETED'].includes(sub.status), `status ${sub.status}`);
    const deadline = Date.now() + 60000;
    let info;
    for (;;) {
      info = (await client.queries.getQuery(sub.query_id)).data;
      if (info.status === 'COMPLETED' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(info.status, 'COMPLETED');
    assert.equal(info.query_id, sub.query_id);
    assert.equal(info.stats.result_set_document_count, 30);
    const page = await client.queries.getQueryResults(sub.query_id, info.pagination.start_cursor, 100);
    assert.deepEqual(page.results.map((r) => r.g), Array.from({ length: 30 }, (_, i) => 30 - i));
    assert.equal(page.pagination.next_cursor, null);
    await rejects(() => client.queries.getQuery(`missing_${suffix}`), 404, 'NOTFOUND');
  });

  await step('queries: listActiveQueries and cancelQuery', async () => {
    const slow = 'SELECT count(*) AS n FROM (SELECT g FROM generate_series(1, 200000) AS g ORDER BY g) s CROSS JOIN generate_series(1, 500) AS h';
    const sub = await client.queries.query({ sql: { query: slow }, async: true, timeout_ms: 120000 });
    const deadline = Date.now() + 60000;
    for (;;) {
      const active = (await client.queries.listActiveQueries()).data;
      if (active.some((q) => q.query_id === sub.query_id && q.status === 'RUNNING') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const res = await client.queries.cancelQuery(sub.query_id);
    assert.equal(res.data.status, 'CANCELLED');
    assert.equal(res.data.query_errors[0].type, 'QUERY_CANCELLED');
    const active = (await client.queries.listActiveQueries()).data;
    assert.ok(!active.some((q) => q.query_id === sub.query_id), 'a cancelled query is still listed as active');
    await rejects(() => client.queries.getQueryResults(sub.query_id), 400, 'QUERY_CANCELLED');
  });

  const QL = 'totals';
  const QL2 = 'totals_new';
  const minDefault = [{ name: 'min', type: 'int', value: '0' }];
  let v1;
  let v2;
  await step('queryLambdas: createQueryLambda, getQueryLambdaVersion, updateQueryLambda', async () => {
    const res = await client.queryLambdas.createQueryLambda(WS, {
      name: QL,
      description: 'first',
      is_public: false,
      sql: { query: `SELECT _id, n FROM ${WS}.${COLL} WHERE n >= :min ORDER BY n`, default_parameters: minDefault },
    });
    v1 = res.data.version;
    assert.match(String(v1), /^[0-9a-f]{16}$/, `version ${v1}`);
    assert.equal(res.data.name, QL);
    assert.equal(res.data.workspace, WS);
    assert.equal(res.data.description, 'first');
    assert.equal(res.data.state, 'ACTIVE');
    assert.deepEqual(res.data.collections, [`${WS}.${COLL}`]);
    assert.deepEqual(res.data.sql.default_parameters, minDefault);
    assert.ok(!Number.isNaN(Date.parse(res.data.created_at)), `created_at ${res.data.created_at}`);
    const got = await client.queryLambdas.getQueryLambdaVersion(WS, QL, v1);
    assert.equal(got.data.version, v1);
    assert.equal(got.data.sql.query, res.data.sql.query);
    const upd = await client.queryLambdas.updateQueryLambda(WS, QL, {
      description: 'second',
      sql: { query: `SELECT count(*) AS c FROM ${WS}.${COLL} WHERE n >= :min`, default_parameters: minDefault },
    });
    v2 = upd.data.version;
    assert.match(String(v2), /^[0-9a-f]{16}$/);
    assert.notEqual(v2, v1);
    assert.equal(upd.data.description, 'second');
    // updateQueryLambda's create flag (?create=true) creates a missing lambda.
    const made = await client.queryLambdas.updateQueryLambda(WS, QL2, { sql: { query: 'SELECT :who AS who' } }, true);
    assert.equal(made.data.name, QL2);
    await rejects(() => client.queryLambdas.updateQueryLambda(WS, `missing_${suffix}`, { sql: { query: 'SELECT 1' } }), 404, 'NOTFOUND');
    await rejects(() => client.queryLambdas.createQueryLambda(WS, { name: QL, sql: { query: 'SELECT 1' } }), 409, 'ALREADYEXISTS');
    await rejects(() => client.queryLambdas.createQueryLambda(WS, { name: `bad_${suffix}`, sql: { query: 'SELECT FROM WHERE' } }), 400, 'INVALIDINPUT');
  });

  await step('queryLambdas: executeQueryLambda with and without parameters, parameter errors', async () => {
    const res = await client.queryLambdas.executeQueryLambda(WS, QL, v1, { parameters: [{ name: 'min', type: 'int', value: '10' }] });
    assert.deepEqual(res.results, [{ _id: 'a', n: 15 }]);
    assert.equal(res.query_lambda_path, `${WS}.${QL}::${v1}`);
    assert.deepEqual(res.collections, [`${WS}.${COLL}`]);
    // No body: the default parameter applies.
    const dflt = await client.queryLambdas.executeQueryLambda(WS, QL, v1);
    assert.deepEqual(dflt.results, [{ _id: 'a', n: 15 }]);
    const limited = await client.queryLambdas.executeQueryLambda(WS, QL, v1, { default_row_limit: 0, timeout_ms: 10000 });
    assert.deepEqual(limited.results, []);
    await rejects(() => client.queryLambdas.executeQueryLambda(WS, QL, v1, { parameters: [{ name: 'min', type: 'int', value: 'ten' }] }),
      400, 'INVALIDINPUT', /ten/);
    // A parameter without a default must be given.
    await rejects(() => client.queryLambdas.executeQueryLambdaByTag(WS, QL2, 'latest'), 400, 'INVALIDINPUT', /who/);
    const who = await client.queryLambdas.executeQueryLambdaByTag(WS, QL2, 'latest', { parameters: [{ name: 'who', type: 'string', value: 'me' }] });
    assert.deepEqual(who.results, [{ who: 'me' }]);
    await rejects(() => client.queryLambdas.executeQueryLambda(WS, QL, '0000000000000000'), 404, 'NOTFOUND');
  });

  await step('queryLambdas: tags, listQueryLambdaVersions, deleting a version and a tag', async () => {
    const tag = await client.queryLambdas.createQueryLambdaTag(WS, QL, { tag_name: 'prod', version: v1 });
    assert.equal(tag.data.tag_name, 'prod');
    assert.equal(tag.data.version.version, v1);
    const tags = await client.queryLambdas.listQueryLambdaTags(WS, QL);
    assert.deepEqual(tags.data.map((t) => [t.tag_name, t.version.version]), [['latest', v2], ['prod', v1]]);
    const prod = await client.queryLambdas.getQueryLambdaTagVersion(WS, QL, 'prod');
    assert.equal(prod.data.version.version, v1);
    const byTag = await client.queryLambdas.executeQueryLambdaByTag(WS, QL, 'prod', { parameters: [{ name: 'min', type: 'int', value: '20' }] });
    assert.deepEqual(byTag.results, []);
    assert.equal(byTag.query_lambda_path, `${WS}.${QL}::${v1}`);
    const latest = await client.queryLambdas.executeQueryLambdaByTag(WS, QL, 'latest');
    assert.deepEqual(latest.results, [{ c: 1 }]);
    assert.equal(latest.query_lambda_path, `${WS}.${QL}::${v2}`);
    const versions = await client.queryLambdas.listQueryLambdaVersions(WS, QL);
    assert.deepEqual(versions.data.map((v) => v.version), [v2, v1]);
    await rejects(() => client.queryLambdas.deleteQueryLambdaVersion(WS, QL, v1), 409, 'DEPENDENTRESOURCES', /prod/);
    const delTag = await client.queryLambdas.deleteQueryLambdaTag(WS, QL, 'prod');
    assert.equal(delTag.data.tag_name, 'prod');
    await rejects(() => client.queryLambdas.getQueryLambdaTagVersion(WS, QL, 'prod'), 404, 'NOTFOUND');
    const delVer = await client.queryLambdas.deleteQueryLambdaVersion(WS, QL, v1);
    assert.equal(delVer.data.version, v1);
    await rejects(() => client.queryLambdas.getQueryLambdaVersion(WS, QL, v1), 404, 'NOTFOUND');
    const stats = (await client.queryLambdas.getQueryLambdaVersion(WS, QL, v2)).data.stats;
    assert.ok(!Number.isNaN(Date.parse(stats.last_executed)), `stats ${JSON.stringify(stats)}`);
  });

  await step('queryLambdas: listQueryLambdasInWorkspace and listAllQueryLambdas', async () => {
    const inWs = await client.queryLambdas.listQueryLambdasInWorkspace(WS);
    assert.deepEqual(inWs.data.map((l) => l.name), [QL, QL2]);
    const l = inWs.data[0];
    assert.equal(l.workspace, WS);
    assert.equal(l.version_count, 1);
    assert.equal(l.latest_version.version, v2);
    assert.deepEqual(l.collections, [`${WS}.${COLL}`]);
    const all = await client.queryLambdas.listAllQueryLambdas();
    assert.ok(all.data.some((x) => x.name === QL && x.workspace === WS), `${WS}.${QL} in listAllQueryLambdas`);
  });

  await step('queries.validate: collections and parameters, without running', async () => {
    const res = await client.queries.validate({ sql: { query: `SELECT _id, 1/0 AS z FROM ${WS}.${COLL} WHERE n > :min` } });
    assert.deepEqual(res, { collections: [`${WS}.${COLL}`], parameters: ['min'] });
    await rejects(() => client.queries.validate({ sql: { query: `SELECT * FROM ${WS}.missing_${suffix}` } }), 400, 'QUERY_ERROR');
  });

  await step('deleteCollection: status DELETED, then gone', async () => {
    const res = await client.collections.deleteCollection(WS, COLL);
    assert.equal(res.data.name, COLL);
    assert.equal(res.data.workspace, WS);
    assert.equal(res.data.status, 'DELETED');
    await rejects(() => client.collections.getCollection(WS, COLL), 404, 'NOTFOUND');
    await rejects(() => client.collections.deleteCollection(WS, COLL), 404, 'NOTFOUND');
  });

  await step('queryLambdas: INVALID_SQL once the collection is gone; deleteQueryLambda empties the workspace', async () => {
    const ver = await client.queryLambdas.getQueryLambdaVersion(WS, QL, v2);
    assert.equal(ver.data.state, 'INVALID_SQL');
    await rejects(() => client.workspaces.deleteWorkspace(WS), 409, 'DEPENDENTRESOURCES', /query lambda/);
    const del = await client.queryLambdas.deleteQueryLambda(WS, QL);
    assert.equal(del.data.name, QL);
    assert.equal(del.data.workspace, WS);
    await client.queryLambdas.deleteQueryLambda(WS, QL2);
    await rejects(() => client.queryLambdas.deleteQueryLambda(WS, QL), 404, 'NOTFOUND');
    const inWs = await client.queryLambdas.listQueryLambdasInWorkspace(WS);
    assert.deepEqual(inWs.data, []);
  });

  await step('deleteWorkspace, then gone', async () => {
    const res = await client.workspaces.deleteWorkspace(WS);
    assert.equal(res.data.name, WS);
    await rejects(() => client.workspaces.getWorkspace(WS), 404, 'NOTFOUND');
    const list = await client.workspaces.listWorkspaces();
    assert.ok(!list.data.some((w) => w.name === WS), `${WS} still listed`);
  });

  if (process.env.BASALT_API_KEY) {
    await apiKeys();
  }
}

// apiKeys: the key methods, and what a key's role allows, through the
// client (run when the server requires keys).
async function apiKeys() {
  const NAME = `ro_${suffix}`;
  let secret;
  await step('apikeys.createApiKey: the key, shown once', async () => {
    const res = await client.apikeys.createApiKey({ name: NAME, role: 'read-only' });
    assert.equal(res.data.name, NAME);
    assert.equal(res.data.role, 'read-only');
    assert.equal(res.data.state, 'ACTIVE');
    secret = res.data.key;
    assert.ok(secret.length > 32, `key ${secret}`);
    await rejects(() => client.apikeys.createApiKey({ name: NAME, role: 'read-only' }), 409, 'ALREADYEXISTS');
  });
  await step('apikeys.listApiKeys and getApiKey hide the key', async () => {
    const list = await client.apikeys.listApiKeys('self');
    const k = list.data.find((x) => x.name === NAME);
    assert.ok(k, `${NAME} in ${JSON.stringify(list.data)}`);
    assert.equal(k.key, secret.slice(-6));
    const got = await client.apikeys.getApiKey('self', NAME);
    assert.equal(got.data.key, secret.slice(-6));
  });
  const ro = rockset(secret, BASALT_URL);
  await step('a read-only key reads, and is FORBIDDEN to write', async () => {
    const list = await ro.workspaces.listWorkspaces();
    assert.ok(list.data.some((w) => w.name === 'commons'));
    await rejects(() => ro.workspaces.createWorkspace({ name: `no_${suffix}` }), 403, 'FORBIDDEN');
    await rejects(() => ro.apikeys.listApiKeys('self'), 403, 'FORBIDDEN');
  });
  await step('apikeys.updateApiKey SUSPENDED: AUTHEXCEPTION 401, then ACTIVE again', async () => {
    const res = await client.apikeys.updateApiKey(NAME, 'self', { state: 'SUSPENDED' });
    assert.equal(res.data.state, 'SUSPENDED');
    await rejects(() => ro.workspaces.listWorkspaces(), 401, 'AUTHEXCEPTION', /suspended/);
    await client.apikeys.updateApiKey(NAME, 'self', { state: 'ACTIVE' });
    await ro.workspaces.listWorkspaces();
  });
  await step('apikeys.deleteApiKey: the key stops working', async () => {
    const res = await client.apikeys.deleteApiKey(NAME, 'self');
    assert.equal(res.data.name, NAME);
    await rejects(() => ro.workspaces.listWorkspaces(), 401, 'AUTHEXCEPTION');
    await rejects(() => rockset('wrong', BASALT_URL).workspaces.listWorkspaces(), 401, 'AUTHEXCEPTION');
  });
}

try {
  await main();
  console.log(`rockset-js compat: ${passed} checks passed against ${BASALT_URL}`);
} catch (e) {
  // Let pending body copies settle so the report shows the answers.
  await new Promise((r) => setTimeout(r, 50));
  console.error(`FAIL ${current}`);
  if (e instanceof assert.AssertionError) {
    console.error(e.message);
  } else {
    console.error('unexpected rejection:', typeof e === 'object' ? JSON.stringify(e) : String(e));
    if (e && e.stack) console.error(e.stack);
  }
  console.error('last HTTP exchanges:');
  for (const ex of exchanges.slice(-4)) {
    console.error(`  ${ex.method} ${ex.url}`);
    if (ex.request !== undefined) console.error(`    request:  ${ex.request}`);
    console.error(`    response: ${ex.status} ${ex.contentType} ${ex.response ?? ''}`);
  }
  process.exit(1);
}
