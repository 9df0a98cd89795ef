// `canarykit demo`: every local scenario on the local xDS mesh, with progress, one report per
// scenario and a summary; exit code 1 if any check fails. `--json` prints only the machine form.
import { parseArgs } from 'node:util';
import { demoJson, runDemo } from '../../demo/run-demo.ts';
import { KIT_SCENARIOS_DIR } from '../../kit-files.ts';
import { CONTROL_PLANES, type ControlPlaneName } from '../../local/local-driver.ts';
import { useColor } from '../../verify/report.ts';
import { scenariosDirOf, scenariosDirOptions } from '../scenarios-dir.ts';

const USAGE = `Usage: canarykit demo [--scenario NAME]... [--scenarios-dir DIR] [--json] [--verbose]

Runs every scenario whose expect.yaml lists mode "local" on the local xDS mesh (no cluster):
server processes v1/v2, an xDS control plane, one proxyless gRPC client per identity. Each
scenario's Istio YAML is pushed to the clients, traffic flows until every check has the calls
it needs, and the split is checked with an exact binomial test.

  --scenario NAME   run only this scenario (repeatable); see 'canarykit scenarios'
  --scenarios-dir DIR
                    the scenarios folder (default: the kit's own scenarios/), e.g. a copy you are
                    editing (--root DIR is the old name)
  --json            print the results as JSON (no progress, no tables)
  --control-plane canarykit|istiod
                    who serves the clients' xDS: canarykit's own control plane (default), or a real
                    istiod started on loopback with a local kube-apiserver and etcd, the scenario
                    YAML applied with kubectl (needs the programs of 'make offline-images')
  --verbose         also print the control plane's log (pushes, ACKs, NACKs)
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        ...scenariosDirOptions('root'),
        'control-plane': { type: 'string', default: 'canarykit' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`canarykit demo: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const controlPlane = values['control-plane'];
  if (!CONTROL_PLANES.includes(controlPlane as ControlPlaneName)) {
    process.stderr.write(`canarykit demo: --control-plane must be one of ${CONTROL_PLANES.join(', ')}, got '${controlPlane}'\n`);
    return 2;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const color = !values.json && useColor(process.stdout);
  let result;
  try {
    result = await runDemo({
      root: scenariosDirOf(values, 'root', KIT_SCENARIOS_DIR),
      controlPlane: controlPlane as ControlPlaneName,
      ...(values.scenario ? { scenarios: values.scenario } : {}),
      color,
      ...(values.json ? {} : { progress: out }),
      ...(values.verbose ? { meshLog: (l: string) => out(`  mesh | ${l}`) } : {}),
    });
  } catch (err) {
    process.stderr.write(`canarykit demo: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.json) {
    out(JSON.stringify(demoJson(result), null, 2));
    return result.passed ? 0 : 1;
  }
  out('');
  for (const s of result.scenarios) out(`${s.report}\n`);
  for (const s of result.skipped) out(`skipped ${s.name}: ${s.reason}`);
  const passed = result.scenarios.filter((s) => s.passed).length;
  out(
    `\n${passed} of ${result.scenarios.length} local scenarios passed in ${(result.totalMs / 1000).toFixed(1)} s (setup ${(result.setupMs / 1000).toFixed(1)} s)`,
  );
  for (const s of result.scenarios.filter((x) => !x.passed)) out(`FAILED ${s.name}${s.error ? `: ${s.error.split('\n')[0]}` : ''}`);
  return result.passed ? 0 : 1;
}
