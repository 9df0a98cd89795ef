import { scenarioTest } from './support.ts';

scenarioTest('dark-launch');
