import { scenarioTest } from './support.ts';

scenarioTest('weighted-90-10');
