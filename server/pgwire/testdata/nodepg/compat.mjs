// Drives Basalt's PostgreSQL protocol with node-postgres (npm `pg` 8.23.1)
// and pg-copy-streams 7.0.0. Run by server/pgwire/nodepg_test.go against a
// server whose commons.people collection holds three documents (a, b, c;
// see the test):
//
//   BASALT_PG_URL=postgres://me@127.0.0.1:5433/basalt node compat.mjs
//
// pg sends queries without parameters over the simple protocol, and queries
// with parameters over the extended protocol: an unnamed statement (or a
// named one, once per connection) whose parameters are all text with type 0
// (unspecified), and results in text format, parsed by pg-types (int8 stays
// a string, float8 a number, bool a boolean, timestamptz a Date, json/jsonb
// objects). Prints one line per passed check and "ALL OK" at the end; on a
// failure prints it and exits 1.

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const url = process.env.BASALT_PG_URL;
if (!url) {
  console.error('compat.mjs: set BASALT_PG_URL, e.g. postgres://me@127.0.0.1:5433/basalt');
  process.exit(2);
}

const checks = [];
function check(name, fn) {
  checks.push({ name, fn });
}

// expectError runs a query that must fail and returns the error pg threw.
async function expectError(promise, code) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected an error with SQLSTATE ${code}, got none`);
  assert.ok(err instanceof pg.DatabaseError, `expected a pg.DatabaseError, got ${err && err.stack}`);
  assert.equal(err.code, code, `SQLSTATE of "${err.message}"`);
  assert.equal(err.severity, 'ERROR');
  return err;
}

const client = new pg.Client({ connectionString: url, application_name: 'nodepg-compat' });

check('simple query', async () => {
  const r = await client.query('SELECT _id, name FROM people ORDER BY _id');
  assert.equal(r.command, 'SELECT');
  assert.equal(r.rowCount, 3);
  assert.deepEqual(r.fields.map((f) => f.name), ['_id', 'name']);
  assert.deepEqual(r.rows, [
    { _id: 'a', name: 'ann' },
    { _id: 'b', name: 'bob' },
    { _id: 'c', name: 'cid' },
  ]);
  const arr = await client.query({ text: "SELECT 1 AS one, 'x' AS x", rowMode: 'array' });
  // Basalt's integers are int8, which pg leaves as strings.
  assert.deepEqual(arr.rows, [['1', 'x']]);
});

check('several statements in one simple query', async () => {
  const rs = await client.query("SELECT 1 AS n; SELECT 'two' AS t");
  assert.equal(rs.length, 2);
  assert.equal(rs[1].rows[0].t, 'two');
});

check('parameterized query (extended protocol, text parameters)', async () => {
  let r = await client.query('SELECT name FROM people WHERE age > $1 ORDER BY name', [10]);
  assert.deepEqual(r.rows.map((x) => x.name), ['ann', 'bob']);
  r = await client.query('SELECT _id FROM people WHERE name = $1', ['bob']);
  assert.deepEqual(r.rows, [{ _id: 'b' }]);
  r = await client.query('SELECT count(*) AS n FROM people WHERE vip = $1 AND score < $2', [true, 2]);
  assert.equal(r.rows[0].n, '2');
  // A Date parameter: pg sends it as text with the local offset.
  r = await client.query('SELECT count(*) AS n FROM people WHERE _event_time >= $1', [new Date('2024-01-03T00:00:00Z')]);
  assert.equal(r.rows[0].n, '2');
  // null and an unused-type parameter.
  r = await client.query('SELECT $1::text IS NULL AS isnull, $2::int + 1 AS next', [null, '41']);
  assert.deepEqual(r.rows, [{ isnull: true, next: '42' }]);
});

check('named prepared statement, reused', async () => {
  const want = { 31: 'ann', 42: 'bob', 7: 'cid' };
  for (const age of [31, 42, 7, 31]) {
    const r = await client.query({ name: 'byage', text: 'SELECT name, age FROM people WHERE age = $1', values: [age] });
    assert.equal(r.rowCount, 1, `age ${age}`);
    assert.equal(r.rows[0].name, want[age]);
    assert.equal(r.rows[0].age, String(age)); // int8 parses to a string by default
  }
});

check('types round-trip', async () => {
  const sql = 'SELECT age, score, vip, name, _event_time, tags, addr FROM people WHERE _id = ';
  for (const [how, q] of [
    ['simple', () => client.query(sql + "'a'")],
    ['extended', () => client.query(sql + '$1', ['a'])],
  ]) {
    const r = await q();
    const types = Object.fromEntries(r.fields.map((f) => [f.name, f.dataTypeID]));
    assert.deepEqual(types, { age: 20, score: 701, vip: 16, name: 25, _event_time: 1184, tags: 3802, addr: 3802 }, how);
    const row = r.rows[0];
    assert.equal(row.age, '31', how);
    assert.equal(row.score, 1.5, how);
    assert.equal(row.vip, true, how);
    assert.equal(row.name, 'ann', how);
    assert.ok(row._event_time instanceof Date, `${how}: _event_time is ${typeof row._event_time}`);
    assert.equal(row._event_time.toISOString(), '2024-01-02T03:04:05.500Z', how);
    assert.deepEqual(row.tags, ['x', 'y'], how);
    assert.deepEqual(row.addr, { city: 'Oslo', zip: null }, how);
  }
  // Expressions and casts.
  const r = await client.query(
    "SELECT 9007199254740993::int8 AS big, 0.1::float8 + 0.2 AS f, NOT $1::bool AS nb, $2 || '!' AS s, NULL AS nothing",
    [false, 'héllo'],
  );
  assert.equal(r.rows[0].big, '9007199254740993');
  assert.equal(r.rows[0].f, 0.1 + 0.2);
  assert.equal(r.rows[0].nb, true);
  assert.equal(r.rows[0].s, 'héllo!');
  assert.equal(r.rows[0].nothing, null);
});

check('errors carry SQLSTATE', async () => {
  await expectError(client.query('SELECT 1/0'), '22012');
  await expectError(client.query('SELECT * FROM nope'), '42P01');
  await expectError(client.query('SELEC 1'), '42601');
  await expectError(client.query('SELECT * FROM nope WHERE x = $1', [1]), '42P01');
  await expectError(client.query({ name: 'bad', text: 'SELECT nosuchfn($1)', values: [1] }), '42883');
  const err = await expectError(client.query('SELECT * FROM people WHERE'), '42601');
  assert.ok(Number(err.position) > 0, `position ${err.position}`);
  // The connection is still usable.
  const r = await client.query('SELECT count(*) AS n FROM people WHERE age > $1', [0]);
  assert.equal(r.rows[0].n, '3');
});

check('transactions', async () => {
  await client.query('BEGIN');
  await client.query("INSERT INTO people (_id, name, age) VALUES ('d', 'dee', 50)");
  await client.query('INSERT INTO people (_id, name, age) VALUES ($1, $2, $3)', ['e', 'eve', 51]);
  await client.query('COMMIT');
  let r = await client.query("SELECT name, age, typeof(age) AS kind FROM people WHERE _id IN ('d', 'e') ORDER BY _id");
  // pg sends 51 as untyped text; the parameter takes the type of the field
  // it fills (age holds ints), as PostgreSQL types it by the column.
  assert.deepEqual(r.rows, [
    { name: 'dee', age: '50', kind: 'int' },
    { name: 'eve', age: '51', kind: 'int' },
  ]);
  // An error fails the block until ROLLBACK.
  await client.query('BEGIN');
  await expectError(client.query('SELECT 1/0'), '22012');
  await expectError(client.query('SELECT 1'), '25P02');
  await client.query('ROLLBACK');
  r = await client.query('SELECT 1 AS one');
  assert.equal(r.rows[0].one, '1');
});

check('COPY FROM STDIN (pg-copy-streams)', async () => {
  const lines = ['_id,name,age,score,vip'];
  for (let i = 0; i < 1000; i++) {
    lines.push(`k${i},name ${i},${i},${i / 4},${i % 2 === 0}`);
  }
  const stream = client.query(copyFrom('COPY people FROM STDIN (FORMAT csv, HEADER)'));
  await pipeline(Readable.from([lines.join('\n') + '\n']), stream);
  assert.equal(stream.rowCount, 1000);
  const r = await client.query("SELECT count(*) AS n, sum(age) AS s FROM people WHERE _id LIKE 'k%'");
  assert.equal(r.rows[0].n, '1000');
  assert.equal(Number(r.rows[0].s), (999 * 1000) / 2);
  // A COPY into a missing collection fails with its SQLSTATE; the
  // connection goes on.
  const bad = client.query(copyFrom('COPY nope FROM STDIN (FORMAT csv, HEADER)'));
  await expectError(pipeline(Readable.from(['x\n1\n']), bad), '42P01');
  const one = await client.query('SELECT 1 AS one');
  assert.equal(one.rows[0].one, '1');
});

check('pool, concurrent queries', async () => {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  try {
    const rs = await Promise.all(
      Array.from({ length: 16 }, (_, i) => pool.query('SELECT count(*) AS n FROM people WHERE age >= $1', [i])),
    );
    assert.deepEqual(
      rs.map((r) => Number(r.rows[0].n)),
      Array.from({ length: 16 }, (_, i) => 1000 - i + [7, 31, 42, 50, 51].filter((a) => a >= i).length),
    );
  } finally {
    await pool.end();
  }
});

let failed = false;
try {
  await client.connect();
  for (const { name, fn } of checks) {
    try {
      await fn();
      console.log(`ok   ${name}`);
    } catch (e) {
      failed = true;
      console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    }
  }
} catch (e) {
  failed = true;
  console.log(`FAIL connect: ${e && e.stack ? e.stack : e}`);
} finally {
  await client.end().catch(() => {});
}
if (failed) {
  process.exit(1);
}
console.log('ALL OK');
