/**
 * The promotion: step v2's weight through the schedule; at each step below 100 hold until the
 * planned calls are in, then decide every gate once. A failed gate (or a step that cannot gather
 * its evidence in time) puts step 0 (0% v2) in force at once; all gates passing at every step ends
 * at 100% v2. Ctrl-C (the signal) stops at the next safe point: an apply in flight completes (one
 * push, never half), then step 0 is applied, and the result says which weight is in force.
 */
import { CANARY, STABLE, type PromoteConfig } from './config.ts';
import { planStep, sampleFromLines, StepDecision, type GateName, type GateResult, type StepPlan, type StepSample } from './gates.ts';
import type { PromotePort } from './mesh-port.ts';
import type { StepFolder } from './step-files.ts';

export interface StepRecord {
  index: number;
  weight: number;
  plan?: StepPlan;
  sample?: StepSample;
  gates: GateResult[];
  /** Calls counted at this step, and how long it held. */
  calls: number;
  ms: number;
}

export interface PromotionResult {
  result: 'promoted' | 'rolled-back' | 'interrupted' | 'refused';
  /** The weight of v2 in force when the promotion ended, and the folder that put it there. */
  finalWeight: number;
  finalStep?: string;
  /** Why it did not promote: the failing gate's reason, the interruption, the refusal. */
  reason?: string;
  gate?: GateName | 'evidence';
  failedWeight?: number;
  steps: StepRecord[];
  totalCalls: number;
  ms: number;
  diagnostics?: string;
}

export interface StepProgress {
  calls: number;
  planned: number;
  gates: readonly GateResult[];
  /** The client's log lines of the step so far (the calls the gates judge). */
  lines: readonly string[];
}

export interface PromoteEvents {
  /** A step's routing is in force. */
  applied?(step: StepFolder): void;
  /** Progress while a step gathers calls: calls so far, calls planned, the gates decided so far, the step's client lines. */
  progress?(step: StepFolder, progress: StepProgress): void;
  /** A step's gates decided. */
  decided?(record: StepRecord): void;
}

export interface PromoteOptions {
  port: PromotePort;
  config: PromoteConfig;
  /** Step 0 (0% v2) first, then one per schedule entry (step-files.ts). */
  steps: readonly StepFolder[];
  /** The scenario's servers, to read versions from answers. */
  servers: ReadonlyArray<{ version: string; id?: string }>;
  signal?: AbortSignal;
  events?: PromoteEvents;
  now?: () => number;
}

/** Thrown when the signal fires; caught by the loop. */
class Interrupted extends Error {}

export async function runPromotion(options: PromoteOptions): Promise<PromotionResult> {
  const { port, config, steps, servers } = options;
  const now = options.now ?? (() => performance.now());
  const started = now();
  const records: StepRecord[] = [];
  const [rollbackStep, ...schedule] = steps;
  if (rollbackStep?.weight !== 0 || schedule.length === 0) throw new Error('steps must start with step 0 (0% v2) followed by the schedule');
  let inForce: StepFolder | undefined;
  const totalCalls = () => records.reduce((a, r) => a + r.calls, 0);
  const checkSignal = () => {
    if (options.signal?.aborted) throw new Interrupted();
  };
  const apply = async (step: StepFolder): Promise<Date> => {
    const since = await port.apply(step);
    inForce = step;
    options.events?.applied?.(step);
    return since;
  };
  const end = async (result: PromotionResult['result'], extra: Partial<PromotionResult>): Promise<PromotionResult> => ({
    result,
    finalWeight: inForce?.weight ?? NaN,
    ...(inForce ? { finalStep: inForce.dir } : {}),
    steps: records,
    totalCalls: totalCalls(),
    ms: now() - started,
    ...extra,
  });
  const rollBack = async (): Promise<void> => {
    if (inForce?.weight === 0) return;
    await apply(rollbackStep);
  };

  // v2 must have something to answer with before any routing changes.
  for (const version of [STABLE, CANARY]) {
    const n = await port.replicas(version);
    if (n === 0) {
      return end('refused', {
        reason: `${version} has no running ${version === CANARY ? 'processes or pods' : 'instances'}: start ${version} (locally: the scenario's servers; on a cluster: make deploy) and promote again; routing was not changed`,
      });
    }
  }

  try {
    checkSignal();
    // Start from 0% v2, whatever was in force before, so every step's baseline is known.
    await apply(rollbackStep);
    for (const step of schedule) {
      checkSignal();
      const stepStart = now();
      const since = await apply(step);
      if (step.weight >= 100) {
        records.push({ index: step.index, weight: step.weight, gates: [], calls: 0, ms: now() - stepStart });
        break;
      }
      const plan = planStep(step.weight, config);
      const decision = new StepDecision(plan, config);
      let sample = sampleFromLines([], servers);
      let calls = 0;
      let wanted = plan.needTotal;
      const deadline = now() + config.stepTimeoutS * 1000;
      for (;;) {
        checkSignal();
        const lines = await port.calls(since, wanted);
        sample = sampleFromLines(lines, servers);
        calls = sample.v1.calls + sample.v2.calls + sample.unattributed;
        decision.add(sample);
        options.events?.progress?.(step, { calls, planned: plan.needTotal, gates: decision.results, lines });
        if (decision.done || now() > deadline) break;
        // Short of v1 or v2 calls (the split is random): ask for enough more calls to make up for it.
        const w = step.weight / 100;
        const shortV2 = Math.max(plan.needV2 - sample.v2.calls - sample.unattributed, plan.latencyN - sample.v2.latenciesMs.length, 0);
        const shortV1 = Math.max(plan.needV1 - sample.v1.calls, 0);
        wanted = Math.max(wanted, calls + Math.ceil(shortV2 / w) + Math.ceil(shortV1 / (1 - w)), lines.length + 1);
      }
      const timedOut = !decision.done;
      if (timedOut) decision.finish(sample);
      const record: StepRecord = { index: step.index, weight: step.weight, plan, sample, gates: decision.results, calls, ms: now() - stepStart };
      records.push(record);
      options.events?.decided?.(record);
      if (timedOut) {
        await rollBack();
        return end('rolled-back', {
          gate: 'evidence',
          failedWeight: step.weight,
          reason: `step ${step.index} (${step.weight}% v2) did not gather its planned calls within ${config.stepTimeoutS} s (${calls} calls: ${sample.v1.calls} v1, ${sample.v2.calls} v2, ${sample.unattributed} failures without a version); without the evidence the gates cannot pass`,
          diagnostics: await port.describe(),
        });
      }
      const failed = decision.failed;
      if (failed) {
        await rollBack();
        return end('rolled-back', { gate: failed.gate, failedWeight: step.weight, reason: `${failed.gate} gate at ${step.weight}% v2: ${failed.reason}` });
      }
    }
    return end('promoted', {});
  } catch (error) {
    if (!(error instanceof Interrupted)) {
      // The mesh refused a step (or broke): the routing in force is the last applied step; go back to 0%.
      const reason = `the mesh failed: ${error instanceof Error ? error.message : String(error)}`;
      try {
        await rollBack();
      } catch (second) {
        return end('rolled-back', { reason: `${reason}; the rollback to 0% failed too (${String(second)}): the routing in force is the last step applied` });
      }
      return end('rolled-back', { reason });
    }
    const was = inForce?.weight;
    if (was === undefined) return end('interrupted', { reason: 'interrupted before any step was applied; routing was not changed' });
    await rollBack();
    return end('interrupted', { reason: `interrupted at ${was}% v2; rolled back to 0% v2 (a promotion that did not finish is not trusted)` });
  }
}
