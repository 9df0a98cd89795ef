import { scenarioTest } from './support.ts';

scenarioTest('timeout');
