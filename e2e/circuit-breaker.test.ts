import { scenarioTest } from './support.ts';

scenarioTest('circuit-breaker');
