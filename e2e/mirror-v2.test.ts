import { scenarioTest } from './support.ts';

scenarioTest('mirror-v2');
