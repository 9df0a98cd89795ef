// A snapshot of what newApp writes: the file list of each project type and the files a reader checks
// first. A template change shows up here as a reviewable diff (update with `npx vitest run generators -u`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { newApp } from './new-app.ts';
import { listFiles } from './paths.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'canarykit-snapshot-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

it.each([
  {
    label: 'server v2',
    flags: { type: 'server', name: 'demo-svc', 'app-version': 'v2', 'version-label': 'dubbogoAppVersion' },
    key: ['Makefile', 'conf/server.yaml'],
  },
  { label: 'client v1 proxyless', flags: { type: 'client', name: 'demo-client', proxyless: true }, key: ['Makefile', 'conf/client.yaml'] },
] as const)('$label', async ({ label, flags, key }) => {
  const dir = path.join(work, label.replaceAll(' ', '-'));
  await newApp({ dir, flags: { ...flags }, yes: true, log: new PassThrough() });
  // chart/ is the kit chart as it is (covered by golden.test.ts and chart.test.ts): listed by its two edited files only,
  // so a new file in charts/greeter does not churn this snapshot.
  const files = listFiles(dir);
  expect(files).toEqual(expect.arrayContaining(['chart/Chart.yaml', 'chart/values.yaml']));
  expect(files.filter((file) => !file.startsWith('chart/'))).toMatchSnapshot('files outside chart/');
  for (const file of key) expect(fs.readFileSync(path.join(dir, file), 'utf8')).toMatchSnapshot(file);
});
