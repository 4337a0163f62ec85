/**
 * `npm start`: runs Reach on this machine (see `runtime.ts`) and says what runs where.
 *
 *   npm start [-- --data DIR] [-- --quiet]
 *
 * Environment: PORT (API, default 3000), REACH_FAKES_PORT and REACH_AWS_PORT (default: free
 * ports), REACH_FAKE_CONSENT (auto | page), REACH_<PLATFORM>_CLIENT_ID / _CLIENT_SECRET /
 * _WEBHOOK_SECRET / _VERIFY_TOKEN, LOG_LEVEL.
 */
import { resolve } from 'node:path';
import { queues, routes, schedules, tables } from '../lib/topology';
import { deadLetterQueueName, EVENT_BUS, queueName } from './config';
import { tableName } from './dynamo';
import { describeEvery } from './scheduler';
import { startLocalRuntime, type LocalRuntime } from './runtime';

interface Flags {
  readonly dataDir?: string;
  readonly quiet: boolean;
}

const USAGE = 'usage: npm start [-- --data DIR] [-- --quiet]';

const parseFlags = (argv: readonly string[]): Flags => {
  let dataDir: string | undefined;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quiet' || a === '-q') quiet = true;
    else if (a === '--data') {
      const dir = argv[++i];
      if (!dir || dir.startsWith('-')) throw new Error(`--data needs a directory\n${USAGE}`);
      dataDir = resolve(dir);
    } else if (a.startsWith('--data=')) dataDir = resolve(a.slice('--data='.length));
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return { ...(dataDir && { dataDir }), quiet };
};

const portFrom = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new Error(`${name} must be a port number, not ${raw}`);
  return n;
};

const banner = (rt: LocalRuntime, flags: Flags): string => {
  const pad = (s: string) => s.padEnd(16);
  const consent = process.env['REACH_FAKE_CONSENT'] ?? 'auto';
  const platforms = Object.keys(rt.credentials).join(', ');
  const lines = [
    '',
    'Reach is running locally.',
    '',
    `  ${pad('Dashboard')}${rt.dashboardUrl}  (sign in with a dev token for any user id)`,
    `  ${pad('API')}${rt.apiUrl}  (${routes.length} routes, API Gateway v2 events, JWT authorizer)`,
    `  ${pad('Fake platforms')}${rt.fakesUrl}  (${platforms}; consent: ${consent}; control: ${rt.fakesUrl}/__fakes/stats)`,
    `  ${pad('AWS endpoint')}${rt.awsUrl}  (SQS, Secrets Manager vault ${flags.dataDir ? `in ${flags.dataDir}/secrets.json` : 'in memory'}, encrypted; EventBridge bus ${EVENT_BUS}; S3 bucket ${rt.env['MEDIA_BUCKET'] ?? 'reach-media'})`,
    `  ${pad('DynamoDB')}${rt.dynamoUrl}  (dynalite, ${flags.dataDir ? `data in ${flags.dataDir}/dynamodb` : 'in memory'}; tables ${tables.map((t) => tableName(t.id)).join(', ')})`,
    `  ${pad('Queues')}${queues
      .map((q) => `${queueName(q.id)} → ${q.consumer} (batch ${q.batchSize}, concurrency ${q.maxConcurrency}, DLQ ${deadLetterQueueName(q.id)} after ${q.maxReceiveCount} receives)`)
      .join(`\n  ${pad('')}`)}`,
    `  ${pad('Schedules')}${schedules.map((s) => `${s.id}: ${describeEvery(s)} → ${s.target}`).join(`\n  ${pad('')}`)}`,
    `  ${pad('Token issuer')}${rt.apiUrl}/local  (JWKS ${rt.apiUrl}/local/.well-known/jwks.json, audience reach-local)`,
    `  ${pad('Local tools')}GET /local/queues · GET /local/events · POST /local/schedules/{id}/run · POST /local/token {"sub":"…","groups":["admin"]}`,
  ];
  const missing = rt.functions.missing();
  if (missing.length > 0) lines.push(`  ${pad('Not built yet')}${missing.map((f) => `${f.id} (${f.entry})`).join(', ')}`);
  lines.push(
    '',
    `dev token (user dev-user, valid 24 h): ${rt.devToken}`,
    '',
    'Try:',
    `  curl -H "authorization: Bearer ${rt.devToken}" ${rt.apiUrl}/v1/connections`,
    '',
    'Ctrl-C stops everything.',
    '',
  );
  return lines.join('\n');
};

const main = async (): Promise<void> => {
  // The SDK's Node 20 notice says nothing useful about a local run.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const flags = parseFlags(process.argv.slice(2));
  const port = portFrom('PORT', 3000);
  const rt = await startLocalRuntime({
    port,
    fakesPort: portFrom('REACH_FAKES_PORT', 0),
    awsPort: portFrom('REACH_AWS_PORT', 0),
    quiet: flags.quiet,
    ...(flags.dataDir && { dataDir: flags.dataDir }),
  }).catch((err: unknown) => {
    if (err instanceof Error && 'code' in err && err.code === 'EADDRINUSE') {
      throw new Error(`a port is already in use (API port ${port}); set PORT (or REACH_FAKES_PORT / REACH_AWS_PORT) to a free one`);
    }
    throw err;
  });
  console.log(banner(rt, flags));

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`\n${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    rt.stop().then(
      () => {
        console.log('stopped.');
        process.exit(0);
      },
      (err: unknown) => {
        console.error(`failed to stop cleanly: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
};

main().catch((err: unknown) => {
  console.error(`reach-local: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
