import { scenarioTest } from './support.ts';

scenarioTest('fault-abort');
