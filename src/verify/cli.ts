/**
 * Verify a scenario from saved logs:
 *
 *   node src/verify/cli.ts scenarios/weighted-90-10 --mode cluster \
 *     --client default=client.log [--client admin=admin.log] [--server v2=v2.log] [--json]
 *
 * e.g. after `kubectl logs deploy/greeter-client --since=2m > client.log`. Exit code 0 when every
 * check passes, 1 when one fails, 2 on bad usage or an invalid scenario.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ScenarioError } from '../scenarios/errors.ts';
import { MODES, type Mode } from '../scenarios/expect.ts';
import { loadScenario } from '../scenarios/load.ts';
import { plannedCalls, verifyLogs } from './check.ts';
import { formatReport, toJson, useColor } from './report.ts';

function pairs(values: string[] | undefined, flag: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values ?? []) {
    const i = v.indexOf('=');
    if (i <= 0) throw new Error(`${flag} wants NAME=FILE, got ${v}`);
    out[v.slice(0, i)] = readFileSync(v.slice(i + 1), 'utf8').split('\n');
  }
  return out;
}

export function main(argv: string[], out: NodeJS.WriteStream = process.stdout): number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        mode: { type: 'string', default: 'cluster' },
        client: { type: 'string', multiple: true },
        server: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        plan: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const dir = args.positionals[0];
  const mode = args.values.mode as Mode;
  if (!dir || !(MODES as readonly string[]).includes(mode)) {
    process.stderr.write('usage: verify <scenario-dir> --mode local|cluster --client NAME=FILE... [--server VERSION=FILE] [--json] [--plan]\n');
    return 2;
  }
  try {
    const scenario = loadScenario(dir);
    if (args.values.plan) {
      for (const c of scenario.expect.clients) out.write(`${c.identity}\t${plannedCalls(scenario.expect, c, mode)}\n`);
      return 0;
    }
    const result = verifyLogs(scenario.expect, { clients: pairs(args.values.client, '--client'), servers: pairs(args.values.server, '--server') }, mode);
    out.write(
      args.values.json
        ? `${JSON.stringify(toJson(result, { scenario: scenario.name }), null, 2)}\n`
        : `${formatReport(result, { title: scenario.name, color: useColor(out) })}\n`,
    );
    return result.passed ? 0 : 1;
  } catch (error) {
    process.stderr.write(`${error instanceof ScenarioError ? error.message : String(error)}\n`);
    return 2;
  }
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
