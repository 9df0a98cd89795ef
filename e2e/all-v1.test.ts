import { scenarioTest } from './support.ts';

scenarioTest('all-v1');
