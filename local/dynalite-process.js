// dynalite in a process of its own, so that the local runtime's DynamoDB work runs on the
// machine's second core instead of competing with the handlers for one event loop.
// Started by local/dynamo.ts with fork(); reports its port over IPC, exits with its parent.
const dynalite = require('dynalite');

const dir = process.argv[2];
const server = dynalite({ ...(dir ? { path: dir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.on('error', (err) => {
  process.send?.({ error: String(err && err.message ? err.message : err) });
  process.exit(1);
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', () => process.exit(0));
