import { describe, expect, it } from 'vitest';
import { answersAsFlags, FLAGS, resolveAnswers } from './options.ts';

describe('the flag table drives answers and flags', () => {
  it('every answer has its flag, and answersAsFlags gives back the same answers', async () => {
    const client = await resolveAnswers({ type: 'client', name: 'my-cli', port: '9090', proxyless: true }, { dirName: 'x' });
    expect(client).toMatchObject({ type: 'client', name: 'my-cli', port: 9090, proxyless: true, target: 'xds:///greeter-server:20000' });
    expect(answersAsFlags(client)).toEqual({
      type: 'client',
      name: 'my-cli',
      'app-version': 'v1',
      image: 'my-cli',
      port: '9090',
      'version-label': 'version',
      proxyless: true,
      target: 'xds:///greeter-server:20000',
    });
    expect(await resolveAnswers(answersAsFlags(client), { dirName: 'other' })).toEqual(client);
    const server = await resolveAnswers({}, { dirName: 'svc' });
    expect(answersAsFlags(server)).not.toHaveProperty('target');
    expect(await resolveAnswers(answersAsFlags(server), { dirName: 'other' })).toEqual(server);
    expect(new Set(FLAGS.map((f) => f.answer)).size).toBe(FLAGS.length);
  });
});
