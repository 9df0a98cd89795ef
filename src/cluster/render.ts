// The dry-run: every command of a plan, in order, with the files and manifests it uses, as a
// shell-readable script. Nothing runs.
import type { Plan, Step } from './plan.ts';
import type { RouteSignature } from './envoy-routes.ts';

/** Quote an argument for a POSIX shell only when it needs it. */
export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./$-]+$/.test(arg) && !/\$(?!SINCE$)/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export const commandLine = (argv: readonly string[]): string => argv.map(shellQuote).join(' ');

function indent(text: string, prefix = '#   '): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

function route(sig: RouteSignature): string {
  const clusters = Object.entries(sig.clusters)
    .map(([c, w]) => `${c} ${w}%`)
    .join(', ');
  const extra = [
    sig.headers.length ? `match headers: ${sig.headers.join(', ')}` : '',
    sig.mirror ? `mirror to ${sig.mirror}` : '',
    sig.timeoutMs !== undefined ? `timeout ${sig.timeoutMs} ms` : '',
    sig.retries !== undefined ? `retries ${sig.retries}` : '',
    sig.fault ? 'fault injection' : '',
  ].filter(Boolean);
  return extra.length ? `${clusters} (${extra.join('; ')})` : clusters;
}

export function renderStep(step: Step, index: number): string {
  const out = [`# ${index + 1}. [${step.phase}] ${step.purpose}`];
  switch (step.type) {
    case 'exec': {
      for (const file of step.files ?? []) out.push(`# file ${file.path}:`, indent(file.content));
      if (step.skipIf) out.push(`# skipped when \`${commandLine(step.skipIf.argv)}\` prints the line '${step.skipIf.stdoutLine}' (${step.skipIf.because})`);
      if (step.marksApply) out.push('# its start time is the apply time of the scenario');
      if (step.stdin !== undefined) out.push(`${commandLine(step.argv)} <<'EOF'`, step.stdin.trimEnd(), 'EOF');
      else out.push(commandLine(step.argv));
      break;
    }
    case 'check':
      out.push(commandLine(step.argv), `# then check: ${step.check}`);
      break;
    case 'wait-routing':
      if (step.settleMs > 0) out.push(`sleep ${step.settleMs / 1000}   # let istiod push before asking whether clients are in sync`);
      out.push(`# every ${step.intervalMs / 1000} s, at most ${step.timeoutMs / 1000} s:`);
      if (step.mode === 'proxy-status')
        out.push(commandLine(['istioctl', 'proxy-status']), '#   until every client pod is SYNCED (proxyless: no Envoy routes to read)');
      for (const probe of step.probes) {
        out.push(commandLine(probe.argv));
        out.push(`#   until virtual host '${probe.domain}' routes, in order:`);
        for (const sig of probe.expected) out.push(`#     - ${route(sig)}`);
        if (probe.endpoints) {
          out.push(commandLine(probe.endpoints.argv));
          out.push(`#   until ${probe.endpoints.healthy} endpoints are HEALTHY (every server pod)`);
        }
      }
      break;
    case 'sample':
      out.push(`sleep ${step.ms / 1000}`);
      break;
    case 'collect':
      for (const request of step.requests) {
        const who = request.source.kind === 'client' ? `client identity ${request.source.identity}` : `server ${request.source.version}`;
        out.push(`# ${who}:`, commandLine(request.argv));
      }
      out.push('#   ($SINCE: the RFC 3339 time routing took effect; lines are kept from that instant on)');
      break;
    case 'verify':
      out.push(`# verify scenario ${step.scenario} in TypeScript (no command)`);
      break;
  }
  return out.join('\n');
}

export function renderPlan(plan: Plan): string {
  const parts = [`# ${plan.title}`, `# ${plan.steps.length} steps; nothing below has run (dry run)`];
  for (const skip of plan.skipped) parts.push(`# skipped scenario ${skip.scenario}: ${skip.reason}`);
  return [parts.join('\n'), ...plan.steps.map(renderStep)].join('\n\n') + '\n';
}
