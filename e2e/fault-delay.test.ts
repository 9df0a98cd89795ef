import { scenarioTest } from './support.ts';

scenarioTest('fault-delay');
