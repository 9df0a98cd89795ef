// A stand-in for `kubectl logs --follow -l app=greeter-client-<identity>,...` in tests: it records
// its argv ($FAKE_KUBECTL_DIR/argv.log), prints the lines of $FAKE_KUBECTL_DIR/<identity>.log as the
// file grows, and ends (as when the pod is replaced) once <identity>.end exists, which it removes.
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.FAKE_KUBECTL_DIR ?? '.';
const argv = process.argv.slice(2);
appendFileSync(join(dir, 'argv.log'), `${JSON.stringify(argv)}\n`);
const selector = argv[argv.indexOf('-l') + 1] ?? '';
const identity = /identity=([^,]+)/.exec(selector)?.[1];
if (!identity) {
  process.stderr.write(`error: no identity in selector '${selector}'\n`);
  process.exit(1);
}
const file = join(dir, `${identity}.log`);
const end = join(dir, `${identity}.end`);
let printed = 0;
const tick = () => {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  for (; printed < lines.length; printed++) process.stdout.write(`${lines[printed]}\n`);
  if (existsSync(end)) {
    rmSync(end);
    process.stderr.write(`pod greeter-client-${identity}-abc is terminating\n`);
    process.exit(0);
  }
};
tick();
setInterval(tick, 30);
