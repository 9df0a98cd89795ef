import { scenarioTest } from './support.ts';

scenarioTest('retries');
