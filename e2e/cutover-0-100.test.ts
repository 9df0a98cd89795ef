import { scenarioTest } from './support.ts';

scenarioTest('cutover-0-100');
