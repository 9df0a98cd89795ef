// The package's `canarykit/verify` entry point (scripts/package/build.ts `exports`).
export { parseClientLine, parseServerLine, countServerRequests, type ClientLogEvent, type ServerLogEvent } from './log-line.ts';
export { tallyLines, tallyByIdentity, versionResolver, emptyTally, type Tally } from './tally.ts';
export {
  cdfLower,
  cdfUpper,
  clopperPearson,
  exactTestPValue,
  logPmf,
  pmf,
  power,
  rejectionRegion,
  requiredSampleSize,
  type Alternative,
  type Interval,
  type SampleSizeOptions,
} from './binomial.ts';
export {
  checkShare,
  countOf,
  plannedCalls,
  plannedSampleSize,
  verifyLogs,
  verifyTallies,
  type Check,
  type CheckOptions,
  type VerifyInput,
  type VerifyResult,
} from './check.ts';
export { bar, formatReport, toJson, toVerifyOutcome, useColor, type ReportOptions } from './report.ts';
export { seededRandom, drawBinomial, drawCategorical } from './prng.ts';
export { clientLine, simulateLines, simulateTally, type Split } from './simulate.ts';
