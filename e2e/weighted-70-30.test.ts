import { scenarioTest } from './support.ts';

scenarioTest('weighted-70-30');
