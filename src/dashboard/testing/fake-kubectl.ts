// A stand-in for `kubectl port-forward` in tests (no cluster here): it serves a client's /stats from
// the file <FAKE_KUBECTL_DIR>/<deployment>.json on a free port of 127.0.0.1 and says where, as
// kubectl does; a deployment with no file is "not found", as kubectl says it. Each argv is logged to
// <FAKE_KUBECTL_DIR>/argv.log so a test can check the command.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const dir = process.env.FAKE_KUBECTL_DIR!;
const args = process.argv.slice(2);
appendFileSync(join(dir, 'argv.log'), `${JSON.stringify(args)}\n`);
const target = args.find((a) => a.startsWith('deployment/'))?.slice('deployment/'.length);
const remote = args.find((a) => /^:\d+$/.test(a));
if (args[2] !== 'port-forward' || !target || !remote) {
  process.stderr.write(`fake kubectl: unexpected arguments ${JSON.stringify(args)}\n`);
  process.exit(2);
}
const file = join(dir, `${target}.json`);
if (!existsSync(file)) {
  process.stderr.write(`error: error from server (NotFound): deployments.apps "${target}" not found\n`);
  process.exit(1);
}
const server = createServer((req, res) => {
  if (req.url !== '/stats') return void res.writeHead(404).end();
  if (!existsSync(file)) {
    // The pod went away: kubectl's forward ends.
    res.destroy();
    process.exit(1);
  }
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(readFileSync(file, 'utf8'));
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`Forwarding from 127.0.0.1:${port} -> ${remote.slice(1)}\n`);
});
process.on('SIGTERM', () => process.exit(0));
