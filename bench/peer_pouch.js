// PouchDB's side of bench/peer.py (run with NODE_PATH at the temporary npm install):
//
//   node bench/peer_pouch.js push DIR REMOTE DOCS BATCH LIMIT ADAPTER  // load docs, replicate.to
//   node bench/peer_pouch.js pull DIR REMOTE BATCH LIMIT ADAPTER       // empty db, replicate.from
//
// BATCH is replicate's batch_size (documents a request), LIMIT its batches_limit (batches held
// ahead while earlier ones are written).
//
// Set-up (loading the local database) first, then "ready" on stdout; the timed replication starts
// when a line arrives on stdin (the parent zeroes the proxy's byte counts then). One JSON line out.
"use strict";

const fs = require("fs");
const PouchDB = require("pouchdb");
PouchDB.plugin(require("pouchdb-adapter-memory"));

function waitForGo() {
  process.stdout.write("ready\n");
  return new Promise((resolve) => process.stdin.once("data", () => resolve()));
}

function cpuSeconds(since) {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

function localDb(dir, adapter) {
  return adapter === "memory" ? new PouchDB(dir, { adapter: "memory" }) : new PouchDB(dir);
}

async function push(dir, remote, docsPath, batch, limit, adapter) {
  const docs = JSON.parse(fs.readFileSync(docsPath, "utf8"));
  const db = localDb(dir, adapter);
  for (let i = 0; i < docs.length; i += 1000) {
    await db.bulkDocs(docs.slice(i, i + 1000));
  }
  await waitForGo();
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const res = await db.replicate.to(remote, { batch_size: batch, batches_limit: limit });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  return { docs: res.docs_written, seconds, client_cpu_s: cpuSeconds(cpu), ok: res.ok };
}

async function pull(dir, remote, batch, limit, adapter) {
  const db = localDb(dir, adapter);
  await db.info();
  await waitForGo();
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const res = await db.replicate.from(remote, { batch_size: batch, batches_limit: limit });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const cpuS = cpuSeconds(cpu);
  const info = await db.info();
  return { docs: info.doc_count, written: res.docs_written, seconds, client_cpu_s: cpuS, ok: res.ok };
}

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  let out;
  if (mode === "push") {
    out = await push(rest[0], rest[1], rest[2], Number(rest[3]), Number(rest[4]), rest[5]);
  } else if (mode === "pull") {
    out = await pull(rest[0], rest[1], Number(rest[2]), Number(rest[3]), rest[4]);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + "\n");
  process.exit(1);
});
