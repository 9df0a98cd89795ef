// The input rules, value by value: what is accepted matters as much as what is refused.
import { describe, expect, it } from 'vitest';
import { checkAppVersion, checkImage, checkLabelKey, checkName, checkPort, checkReleaseName, checkTarget, parseImageReference } from './validate.ts';

const ok = (check: (value: string) => string | undefined, values: string[]) => {
  for (const value of values) expect(check(value), value).toBeUndefined();
};
const bad = (check: (value: string) => string | undefined, values: string[]) => {
  for (const value of values) expect(check(value), value).toBeTypeOf('string');
};

describe('input rules', () => {
  it('--name: a DNS-1123 label starting with a letter', () => {
    ok(checkName, ['a', 'demo-svc', 'greeter-server', 'v2', `a${'b'.repeat(62)}`]);
    bad(checkName, ['', 'Demo', '1demo', '-demo', 'demo-', 'demo_svc', 'demo.svc', 'a/b', '..', `a${'b'.repeat(63)}`, 'démo']);
  });

  it('--name suggests the lower-case spelling only when that spelling is valid', () => {
    expect(checkName('DemoSvc')).toContain('use "demosvc"');
    expect(checkName('Bad_Name')).not.toContain('use "');
  });

  it('--app-version: v<major>, from v1', () => {
    ok(checkAppVersion, ['v1', 'v2', 'v10', 'v123']);
    bad(checkAppVersion, ['', '1', 'V2', 'v0', 'v01', 'v2.0', 'v2.0.0', 'v-1', 'version2', 'v1234567']);
  });

  it('--port: 1 to 65535', () => {
    ok(checkPort, ['1', '8080', '20000', '65535']);
    bad(checkPort, ['', '0', '65536', '-1', '80.5', '0x50', ' 80', '8080a']);
  });

  it('--image: Docker reference grammar, no digest', () => {
    ok(checkImage, [
      'nginx',
      'greeter-server',
      'canarykit/greeter-server',
      'docker.io/library/nginx:1.27',
      'localhost:5000/a/b:tag',
      'localhost/app',
      '[::1]:5000/app',
      'Registry.Example.com/team/app',
      'ghcr.io/team/app_name__x-y.z:v2.0.0-rc.1',
      'a/b/c/d/e',
    ]);
    bad(checkImage, [
      '',
      'Nginx',
      'team/App',
      'team//app',
      '/app',
      'app/',
      'app:',
      'app:-x',
      `app:${'t'.repeat(129)}`,
      'app name',
      'app_',
      '-app',
      'app@sha256:12',
      `app@sha256:${'a'.repeat(64)}`,
    ]);
    expect(parseImageReference('localhost:5000/a/b:tag')).toEqual({ repository: 'localhost:5000/a/b', tag: 'tag' });
    expect(parseImageReference('registry:5000/app')).toEqual({ repository: 'registry:5000/app' });
  });

  it('--version-label: a Kubernetes label key', () => {
    ok(checkLabelKey, ['version', 'dubbogoAppVersion', 'app.kubernetes.io/version', 'example.com/v', 'a', 'A_b.c-d']);
    bad(checkLabelKey, ['', 'app version', '-version', 'version-', 'a/b/c', '/version', 'Example.com/version', `${'v'.repeat(64)}`, 'versión']);
  });

  it('--target: dns:/// or xds:/// with a host and an optional port', () => {
    ok(checkTarget, ['dns:///greeter-server:20000', 'xds:///greeter-server:20000', 'dns:///localhost', 'dns:///10.0.0.1:80']);
    bad(checkTarget, [
      '',
      'greeter-server:20000',
      'http://greeter-server:20000',
      'dns://greeter-server:20000',
      'dns:///',
      'xds:///a:0',
      'xds:///a:70000',
      'dns:///a b:1',
    ]);
  });

  it('the Helm release <name>-<version> fits in 53 characters', () => {
    expect(checkReleaseName('a'.repeat(50), 'v2')).toBeUndefined();
    expect(checkReleaseName('a'.repeat(51), 'v2')).toMatch(/54 characters\); Helm allows 53, so shorten --name to at most 50/);
  });
});
