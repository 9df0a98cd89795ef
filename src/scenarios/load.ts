/**
 * Load and check one routing scenario, or all of them.
 *
 * Layout of `scenarios/<name>/`:
 *   *.yaml            Istio objects only (VirtualService, DestinationRule, Gateway):
 *                     `kubectl apply -f scenarios/<name>/` applies exactly these.
 *   expect/expect.yaml the expected outcome (src/scenarios/expect.ts). It sits in a sub-folder
 *                     because `kubectl apply -f <dir>` reads every .yaml/.yml/.json file directly
 *                     in <dir> (and no sub-folder unless -R is given): a top-level expect.yaml
 *                     would be sent to the API server and fail there.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { ScenarioError, displayPath, fieldPath } from './errors.ts';
import { ExpectSchema, expectationsFor, type Expect, type Mode } from './expect.ts';
import {
  destinationRuleProblems,
  identify,
  isObject,
  schemaProblems,
  virtualServiceProblems,
  type DestinationRule,
  type Gateway,
  type IstioKind,
  type ObjectProblem,
  type VirtualService,
} from './istio.ts';
import { APP_LABEL, isServiceHost, limitations, refusedFields, routingModel, type Limitation, type RoutingModel, type RunMode } from './model.ts';
import { routingFor, shareOfKey } from './shares.ts';

export const EXPECT_PATH = join('expect', 'expect.yaml');
/** What `kubectl apply -f <dir>` reads. */
const MANIFEST_EXT = /\.(ya?ml|json)$/;

/** One Istio object as `kubectl apply -f <dir>` sends it. */
export interface Manifest {
  /** Absolute path of its file. */
  file: string;
  kind: IstioKind;
  name: string;
  object: Record<string, unknown>;
}

export interface Scenario {
  /** Folder name, e.g. `weighted-90-10`. */
  name: string;
  /** Absolute path of the scenario folder (the Istio YAML lives directly in it). */
  dir: string;
  description: string;
  modes: Mode[];
  /** Absolute paths of the Istio YAML files, sorted (empty for no-rules and replicas-canary). */
  files: string[];
  /** Every Istio object, in file order (what the cluster applies and deletes). */
  manifests: Manifest[];
  /** The objects, typed (what istiod on loopback and the local translation are given). */
  resources: {
    virtualServices: VirtualService[];
    destinationRules: DestinationRule[];
    gateways: Gateway[];
  };
  /** The one routing model (src/scenarios/model.ts): every projection reads this. */
  routing: RoutingModel;
  /** Per run mode, what the scenario uses that the mode cannot do (empty: it can run there). */
  limitations: Record<RunMode, Limitation[]>;
  expect: Expect;
  /** The server versions to run (expect.servers, defaults filled in). */
  servers: Expect['servers'];
  /** The clients to run, one per identity (expect.clients, defaults filled in). */
  clients: Expect['clients'];
  /** Absolute path of expect/expect.yaml. */
  expectFile: string;
}

/** Load `dir`, check everything, and throw the first ScenarioError (with `.all`) if anything is wrong. */
export function loadScenario(dir: string): Scenario {
  const { scenario, errors } = inspectScenario(dir);
  if (errors.length > 0) throw ScenarioError.combine(errors);
  return scenario!;
}

/** Every scenario folder under `root` (folders that have expect/expect.yaml), sorted by name. */
export function listScenarios(root = 'scenarios'): Scenario[] {
  return scenarioDirs(root).map(loadScenario);
}

export function scenarioDirs(root = 'scenarios'): string[] {
  const abs = resolve(root);
  return readdirSync(abs, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(abs, d.name, EXPECT_PATH)))
    .map((d) => join(abs, d.name))
    .sort();
}

interface LoadedDoc {
  kind: IstioKind;
  object: Record<string, unknown>;
  file: string;
  /** `doc[1]` prefix for the 2nd document of a multi-document file, else ''. */
  prefix: string;
}

/** Load `dir` and return every problem found (no throw for scenario problems). */
export function inspectScenario(dir: string): { scenario?: Scenario; errors: ScenarioError[] } {
  const abs = resolve(dir);
  const errors: ScenarioError[] = [];
  const err: Err = (file, field, reason, fix) => errors.push(new ScenarioError({ file, field, reason, fix }));
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    err(displayPath(abs), '', 'not a scenario folder', 'give the path of a folder under scenarios/');
    return { errors };
  }
  const { files, docs } = readManifests(abs, err);
  const expectFile = join(abs, EXPECT_PATH);
  const expect = readExpect(expectFile, err);
  if (errors.length > 0 || !expect) return { errors };

  const expectShown = displayPath(expectFile);
  const vss = docs.filter((d) => d.kind === 'VirtualService') as Array<LoadedDoc & { object: VirtualService }>;
  const drs = docs.filter((d) => d.kind === 'DestinationRule') as Array<LoadedDoc & { object: DestinationRule }>;
  const gws = docs.filter((d) => d.kind === 'Gateway') as Array<LoadedDoc & { object: Gateway }>;
  const located = <T>(list: Array<LoadedDoc & { object: T }>) => list.map((d) => ({ object: d.object, file: d.file }));
  const routing = routingModel({ virtualServices: located(vss), destinationRules: located(drs), gateways: located(gws) });
  const needs = { mirrorCheck: expect.mirror !== undefined, ingressClients: expect.clients.some((c) => c.via === 'ingress') };
  crossCheck(vss, drs, gws, expect, expectShown, err);
  for (const r of refusedFields(routing)) err(r.file, r.field, r.reason, r.fix);
  if (expect.modes.includes('local')) {
    for (const l of limitations(routing, needs, 'local')) {
      if (l.file && l.field)
        err(
          l.file,
          l.field,
          `the local mesh (proxyless gRPC) cannot do this, and ${EXPECT_PATH} lists mode local: ${l.why}`,
          'remove the field, or list only `cluster` in modes',
        );
      else
        err(expectShown, 'modes', `the scenario uses ${l.feature}, which the local mesh (proxyless gRPC) cannot do: ${l.why}`, 'list only `cluster` in modes');
    }
  }
  if (errors.length === 0) checkExpectationAgainstRules(routing, expect, expectShown, err);
  if (errors.length > 0) return { errors };

  const scenario: Scenario = {
    name: basename(abs),
    dir: abs,
    description: expect.description.trim(),
    modes: [...expect.modes],
    files,
    manifests: docs.map((d) => ({
      file: join(abs, basename(d.file)),
      kind: d.kind,
      name: String((d.object['metadata'] as { name: string }).name),
      object: d.object,
    })),
    resources: {
      virtualServices: vss.map((d) => d.object),
      destinationRules: drs.map((d) => d.object),
      gateways: gws.map((d) => d.object),
    },
    routing,
    limitations: {
      local: limitations(routing, needs, 'local'),
      'kind-proxyless': limitations(routing, needs, 'kind-proxyless'),
      'kind-envoy': limitations(routing, needs, 'kind-envoy'),
    },
    expect,
    servers: expect.servers,
    clients: expect.clients,
    expectFile,
  };
  return { scenario, errors };
}

/** The Istio objects of the folder (what `kubectl apply -f <dir>` reads), each checked on its own. */
function readManifests(abs: string, err: Err): { files: string[]; docs: LoadedDoc[] } {
  const files = readdirSync(abs)
    .filter((f) => MANIFEST_EXT.test(f) && statSync(join(abs, f)).isFile())
    .sort()
    .map((f) => join(abs, f));
  const docs: LoadedDoc[] = [];
  for (const file of files) {
    const shown = displayPath(file);
    if (/^expect\.(ya?ml|json)$/.test(basename(file))) {
      err(shown, '', 'kubectl apply -f on the folder would send this file to the cluster', `move it to ${EXPECT_PATH}`);
      continue;
    }
    const lineCounter = new LineCounter();
    const parsed = parseAllDocuments(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false });
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const yamlErrors = list.flatMap((doc) => doc.errors);
    if (yamlErrors.length > 0) {
      yamlError(shown, yamlErrors, lineCounter, err);
      continue;
    }
    const values = list.map((d) => d.toJS() as unknown).filter((v) => v !== null && v !== undefined);
    if (values.length === 0) err(shown, '', 'the file holds no object', 'remove the empty file');
    values.forEach((value, i) => {
      const prefix = values.length > 1 ? `doc[${i}] ` : '';
      const doc = checkObject(value);
      if ('problems' in doc) for (const p of doc.problems) err(shown, prefix + p.field, p.reason, p.fix);
      else docs.push({ ...doc, file: shown, prefix });
    });
  }
  return { files, docs };
}

/** One parsed document: its kind and object, or every problem with it. */
function checkObject(value: unknown): { kind: IstioKind; object: Record<string, unknown> } | { problems: ObjectProblem[] } {
  const id = identify(value);
  if ('problem' in id) return { problems: [id.problem] };
  const object = value as Record<string, unknown>;
  const problems = schemaProblems(object, id.kind);
  if (!isObject(object['metadata']) || typeof object['metadata']['name'] !== 'string') {
    problems.push({ field: 'metadata.name', reason: 'the object has no name', fix: 'add metadata.name' });
  }
  if (problems.length === 0) {
    if (id.kind === 'VirtualService') problems.push(...virtualServiceProblems(object as unknown as VirtualService));
    if (id.kind === 'DestinationRule') problems.push(...destinationRuleProblems(object as unknown as DestinationRule));
  }
  return problems.length > 0 ? { problems } : { kind: id.kind, object };
}

/** expect/expect.yaml, parsed with its schema; undefined (with the problems reported) when it is not valid. */
function readExpect(expectFile: string, err: Err): Expect | undefined {
  const expectShown = displayPath(expectFile);
  if (!existsSync(expectFile)) {
    err(expectShown, '', 'missing', `write ${EXPECT_PATH}: description, modes, servers, clients with their expected shares`);
    return undefined;
  }
  const lineCounter = new LineCounter();
  const list = parseAllDocuments(readFileSync(expectFile, 'utf8'), { lineCounter, prettyErrors: false });
  const docs = Array.isArray(list) ? list : [list];
  const yamlErrors = docs.flatMap((d) => d.errors);
  if (yamlErrors.length > 0) {
    yamlError(expectShown, yamlErrors, lineCounter, err);
    return undefined;
  }
  if (docs.length !== 1) {
    err(expectShown, '', `holds ${docs.length} YAML documents`, 'keep one document');
    return undefined;
  }
  const result = ExpectSchema.safeParse(docs[0]!.toJS());
  if (result.success) return result.data;
  for (const issue of result.error.issues) err(expectShown, fieldPath(issue.path), issue.message, 'see docs/scenarios.md for the expect.yaml format');
  return undefined;
}

type Err = (file: string, field: string, reason: string, fix: string) => void;

/**
 * One message per malformed file: the first syntax error, where it is. The parser's later errors
 * in the same file are mostly that one seen again from further down (one bad indent gave 12
 * messages), so they are counted, not listed.
 */
function yamlError(file: string, errors: ReadonlyArray<{ pos: [number, number]; message: string }>, lineCounter: LineCounter, err: Err): void {
  const first = errors[0]!;
  const pos = lineCounter.linePos(first.pos[0]);
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''} after it, most likely caused by this one)` : '';
  err(
    file,
    `line ${pos.line}, column ${pos.col}`,
    `malformed YAML: ${first.message.split('\n')[0]}${more}`,
    'fix the YAML syntax (indentation, colons, quotes) here first',
  );
}

/** Checks across objects: what the rules name exists, and is something the kit deploys. */
function crossCheck(
  vss: Array<LoadedDoc & { object: VirtualService }>,
  drs: Array<LoadedDoc & { object: DestinationRule }>,
  gws: Array<LoadedDoc & { object: Gateway }>,
  expect: Expect,
  expectShown: string,
  err: Err,
): void {
  const subsetNames = checkDestinationRules(drs, new Set(expect.servers.map((s) => s.version)), err);
  checkVirtualServices(vss, drs.length > 0, subsetNames, new Set(gws.map((g) => String((g.object.metadata as { name?: string } | undefined)?.name))), err);
  checkIngressClients(vss, expect, expectShown, err);
}

/** DestinationRules: the kit's service, subsets whose labels the chart puts on pods. Returns subset → file. */
function checkDestinationRules(drs: Array<LoadedDoc & { object: DestinationRule }>, versions: ReadonlySet<string>, err: Err): Map<string, string> {
  const subsetNames = new Map<string, string>(); // subset → file
  for (const { object: dr, file, prefix } of drs) {
    const host = dr.spec!.host;
    if (!isServiceHost(host)) {
      err(file, `${prefix}spec.host`, `host ${host} is not a service the kit deploys`, 'use greeter-server');
      continue;
    }
    (dr.spec!.subsets ?? []).forEach((s, i) => {
      const at = `${prefix}spec.subsets[${i}]`;
      if (subsetNames.has(s.name)) err(file, `${at}.name`, `subset ${s.name} is also defined in ${subsetNames.get(s.name)}`, 'define each subset once');
      subsetNames.set(s.name, file);
      const labels = s.labels ?? {};
      if (Object.keys(labels).length === 0)
        err(file, `${at}.labels`, `subset ${s.name} has no labels, so it selects every pod`, 'select a version, e.g. labels: {version: v1}');
      for (const [k, v] of Object.entries(labels)) {
        if (k === 'app') {
          if (v !== APP_LABEL)
            err(file, `${at}.labels.app`, `app=${v} selects no pod: the chart labels greeter-server pods app=${APP_LABEL}`, `use app: ${APP_LABEL}`);
        } else if (k === 'version') {
          if (!versions.has(v))
            err(
              file,
              `${at}.labels.version`,
              `version=${v} selects no pod: the scenario runs versions ${[...versions].join(', ')}`,
              `use one of them or add version ${v} to servers in ${EXPECT_PATH}`,
            );
        } else {
          err(file, `${at}.labels.${k}`, `label ${k} is not one the chart puts on pods (app, version)`, 'select pods by version (and app)');
        }
      }
    });
  }
  return subsetNames;
}

/** VirtualServices: one per host and gateway set, destinations and gateways that exist. */
function checkVirtualServices(
  vss: Array<LoadedDoc & { object: VirtualService }>,
  hasDestinationRules: boolean,
  subsetNames: ReadonlyMap<string, string>,
  gatewayNames: ReadonlySet<string>,
  err: Err,
): void {
  const owner = new Map<string, string>(); // `${gateway} ${host}` → file
  for (const { object: vs, file, prefix } of vss) {
    const gwList = vs.spec?.gateways?.length ? vs.spec.gateways : ['mesh'];
    gwList.forEach((g, i) => {
      const name = g.includes('/') ? g.split('/')[1]! : g;
      if (g !== 'mesh' && !gatewayNames.has(name)) {
        err(file, `${prefix}spec.gateways[${i}]`, `gateway ${g} is not defined in this scenario`, 'add the Gateway object to the scenario or fix the name');
      }
    });
    (vs.spec!.hosts ?? []).forEach((host, i) => {
      if (gwList.includes('mesh') && !isServiceHost(host)) {
        err(file, `${prefix}spec.hosts[${i}]`, `host ${host} is not a service the kit deploys`, 'use greeter-server (or bind the rule to a Gateway)');
      }
      for (const g of gwList) {
        const key = `${g} ${host}`;
        const other = owner.get(key);
        if (other)
          err(
            file,
            `${prefix}spec.hosts[${i}]`,
            `host ${host} already has a VirtualService in ${other}${g === 'mesh' ? '' : ` for gateway ${g}`}; Istio would use only one of them`,
            'merge the rules into one VirtualService',
          );
        else owner.set(key, file);
      }
    });
    (vs.spec!.http ?? []).forEach((rule, i) => {
      const targets = (rule.route ?? []).map((d, k) => ({ d: d.destination, at: `${prefix}spec.http[${i}].route[${k}].destination` }));
      if (rule.mirror) targets.push({ d: rule.mirror, at: `${prefix}spec.http[${i}].mirror` });
      for (const { d, at } of targets) {
        if (!isServiceHost(d.host)) {
          err(file, `${at}.host`, `host ${d.host} is not a service the kit deploys`, 'route to greeter-server');
          continue;
        }
        if (d.port?.number !== undefined && d.port.number !== 20000) {
          err(file, `${at}.port.number`, `greeter-server listens on port 20000, not ${d.port.number}`, 'use port 20000 or leave the port out');
        }
        if (d.subset === undefined) continue;
        if (!hasDestinationRules) {
          err(
            file,
            `${at}.subset`,
            `subset ${d.subset} is used but no DestinationRule for ${d.host} defines subsets`,
            'add a DestinationRule with the subsets to the scenario',
          );
        } else if (!subsetNames.has(d.subset)) {
          err(
            file,
            `${at}.subset`,
            `subset ${d.subset} is not defined in any DestinationRule for ${d.host} (defined: ${[...subsetNames.keys()].join(', ') || 'none'})`,
            'add the subset to the DestinationRule or fix the name',
          );
        }
      }
    });
  }
}

/** A client that calls through the ingress gateway needs a VirtualService bound to a Gateway. */
function checkIngressClients(vss: Array<LoadedDoc & { object: VirtualService }>, expect: Expect, expectShown: string, err: Err): void {
  expect.clients.forEach((c, i) => {
    if (c.via === 'ingress' && !vss.some((v) => (v.object.spec?.gateways ?? []).some((g) => g !== 'mesh'))) {
      err(
        expectShown,
        `clients[${i}].via`,
        `client ${c.identity} calls through the ingress gateway but no VirtualService is bound to a Gateway`,
        'add a Gateway and a VirtualService with spec.gateways',
      );
    }
  });
}

/** The expectation must agree with what the rules do (run only when the objects themselves are sound). */
function checkExpectationAgainstRules(routing: RoutingModel, expect: Expect, expectShown: string, err: Err): void {
  const versions = new Set(expect.servers.map((s) => s.version));
  expect.clients.forEach((c, i) => {
    const r = routingFor(routing, expect.servers, c);
    if (r.kind === 'unknown') return;
    if (r.kind === 'no-route') {
      err(
        expectShown,
        `clients[${i}]`,
        `no rule in ${r.rule} matches client ${c.identity} (headers ${JSON.stringify(c.headers)}), so its calls would fail`,
        'add a last rule without match (the default route)',
      );
      return;
    }
    const modes = new Set(expect.modes.flatMap((m) => expectationsFor(c, m).map(([k]) => k)));
    for (const [key, spec] of Object.entries(c.expect)) {
      if (!modes.has(key)) continue;
      const computed = shareOfKey(key, r.shares, versions);
      const ok =
        spec.kind === 'share'
          ? Math.abs(computed - spec.value) < 1e-9
          : spec.kind === 'at-least'
            ? computed >= spec.value - 1e-9
            : computed <= spec.value + 1e-9;
      if (!ok) {
        const wanted = spec.kind === 'share' ? pct(spec.value) : `${spec.kind === 'at-least' ? 'at least' : 'at most'} ${pct(spec.value)}`;
        err(
          expectShown,
          `clients[${i}].expect.${key}`,
          `expects ${wanted} of ${c.identity}'s calls on ${key}, but the rules (${r.rule}) give ${pct(computed)}`,
          'make the expectation match the VirtualService, or fix the VirtualService',
        );
      }
    }
  });
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}
