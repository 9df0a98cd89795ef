import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listScenarios } from '../scenarios/load.ts';
import { parseManifestFile, scenarioManifestFiles, scenarioManifests } from './scenario-files.ts';
import { REPO_ROOT } from './settings.ts';

const fixtures = join(import.meta.dirname, 'testdata/scenarios');

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'canarykit-manifest-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('scenario manifests', () => {
  it('lists the YAML files of a scenario, sorted, without expect/', () => {
    const files = scenarioManifestFiles(join(fixtures, 'ingress-70-30')).map((f) => f.split('/').pop());
    expect(files).toEqual(['destination-rule.yaml', 'gateway.yaml', 'virtual-service.yaml']);
  });

  it('parses and validates each object', () => {
    const docs = scenarioManifests(join(fixtures, 'ingress-70-30'));
    expect(docs.map((d) => `${d.kind}/${d.name}`)).toEqual(['DestinationRule/greeter-server', 'Gateway/greeter-gateway', 'VirtualService/greeter-server-ingress']);
  });

  it('refuses an invalid VirtualService, naming the file, the object and the field', () => {
    const file = tempFile('vs.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bad}\nspec:\n  hosts: [greeter-server]\n  http:\n    - route:\n        - destination: {host: greeter-server}\n          weight: "90"\n');
    expect(() => parseManifestFile(file)).toThrow(/vs\.yaml: VirtualService bad is invalid: .*weight/);
  });

  it('refuses kinds it would not know how to clean up', () => {
    const file = tempFile('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    expect(() => parseManifestFile(file)).toThrow(/v1 ConfigMap is not a kind canarykit applies/);
  });

  it('reads every object of a multi-document file', () => {
    const file = tempFile('two.yaml', 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec: {host: greeter-server}\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: b}\nspec: {host: greeter-server}\n');
    expect(parseManifestFile(file).map((d) => d.name)).toEqual(['a', 'b']);
  });
});

// The real scenarios (scenarios/, another folder's work): every object the e2e would apply is valid.
describe.runIf(existsSync(join(REPO_ROOT, 'scenarios')))('scenarios/ as the kind driver reads them', () => {
  it('every cluster scenario parses and its manifests validate', () => {
    const scenarios = listScenarios(join(REPO_ROOT, 'scenarios')).filter((s) => s.modes.includes('cluster'));
    expect(scenarios.length).toBeGreaterThan(0);
    for (const scenario of scenarios) scenarioManifests(scenario.dir);
  });

  it('every object carries app.kubernetes.io/part-of=canarykit, the label the e2e removes leftovers by', () => {
    for (const scenario of listScenarios(join(REPO_ROOT, 'scenarios'))) {
      for (const doc of scenarioManifests(scenario.dir)) {
        const labels = (doc.object.metadata as { labels?: Record<string, string> }).labels ?? {};
        expect(labels['app.kubernetes.io/part-of'], `${doc.file}: ${doc.kind}/${doc.name}`).toBe('canarykit');
      }
    }
  });
});
