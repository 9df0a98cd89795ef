// `canarykit mesh diff`: what src/mesh and a real istiod send the same proxyless gRPC client for
// each local scenario, field by field (src/istiod/mesh-diff.ts); exit 1 on a difference that the
// reviewed allow-list (src/istiod/xds-diff-allow.yaml) does not explain.
import { parseArgs } from 'node:util';
import { KIT_SCENARIOS_DIR } from '../../kit-files.ts';
import { scenariosDirOf, scenariosDirOptions } from '../scenarios-dir.ts';
import { diffScenarios, unusedEntries } from '../../istiod/mesh-diff.ts';
import { ALLOW_LIST_FILE, formatDifferences, loadAllowList } from '../../istiod/xds-diff.ts';
import { listScenarios } from '../../scenarios/load.ts';

const USAGE = `Usage: canarykit mesh diff [--scenario NAME]... [--scenarios-dir DIR] [--verbose]

For each local scenario, gives the same Istio YAML and the same endpoints to canarykit's xDS
control plane (src/mesh) and to a real istiod started on loopback (local etcd + kube-apiserver,
the YAML applied with kubectl; needs the programs of 'make offline-images'), fetches what each
sends one proxyless gRPC client (Listener, RouteConfiguration, Cluster, ClusterLoadAssignment)
and prints every field that differs. Differences that do not change what a grpc-js-xds client
does are listed, with the reason, in src/istiod/xds-diff-allow.yaml; any other fails (exit 1).

  --scenario NAME   diff only this scenario (repeatable); see 'canarykit scenarios'
  --scenarios-dir DIR
                    the scenarios folder (default: the kit's own scenarios/; --root DIR is the old name)
  --verbose         also print the allowed differences and the reason for each
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        scenario: { type: 'string', multiple: true },
        ...scenariosDirOptions('root'),
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`canarykit mesh: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals[0] !== 'diff' || positionals.length > 1) {
    process.stderr.write(
      `canarykit mesh: ${positionals.length === 0 ? 'a subcommand is needed' : `unknown subcommand '${positionals.join(' ')}'`}; the one there is: diff\n\n${USAGE}`,
    );
    return 2;
  }
  let scenarios;
  try {
    const root = scenariosDirOf(values, 'root', KIT_SCENARIOS_DIR);
    const local = listScenarios(root).filter((s) => s.modes.includes('local') && s.resources.gateways.length === 0);
    const unknown = (values.scenario ?? []).filter((n) => !local.some((s) => s.name === n));
    if (unknown.length > 0) {
      process.stderr.write(
        `canarykit mesh diff: no local scenario named ${unknown.join(', ')} in ${root}; local scenarios: ${local.map((s) => s.name).join(', ')}\n`,
      );
      return 2;
    }
    scenarios = values.scenario ? local.filter((s) => values.scenario!.includes(s.name)) : local;
  } catch (err) {
    process.stderr.write(`canarykit mesh diff: ${(err as Error).message}\n`);
    return 2;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let results;
  try {
    const allow = loadAllowList();
    out(`istiod and src/mesh, ${scenarios.length} scenario(s); allow-list: ${ALLOW_LIST_FILE.pathname} (${allow.length} entries)`);
    results = await diffScenarios(scenarios, { allow, log: out });
    for (const r of results) {
      out(formatDifferences(r.scenario, r.differences));
      if (values.verbose) {
        // One line per resource and allow-list entry, however many fields under it differ.
        const groups = new Map<string, number>();
        for (const d of r.differences.filter((x) => x.allowedBy)) {
          const key = `${d.type} ${d.name} ${d.allowedBy!.path}: ${d.allowedBy!.reason}`;
          groups.set(key, (groups.get(key) ?? 0) + 1);
        }
        for (const [key, n] of groups) out(`    allowed ${key}${n > 1 ? ` (${n} fields)` : ''}`);
      }
    }
    if (!values.scenario) {
      for (const e of unusedEntries(results, allow)) out(`allow-list entry no scenario needs (remove it): ${e.type} ${e.path}`);
    }
  } catch (err) {
    process.stderr.write(`canarykit mesh diff: ${(err as Error).message}\n`);
    return 2;
  }
  const failing = results.filter((r) => r.differences.some((d) => !d.allowedBy));
  out(`\n${results.length - failing.length} of ${results.length} scenarios: same routing from istiod and src/mesh (after the allow-list)`);
  return failing.length === 0 ? 0 : 1;
}
