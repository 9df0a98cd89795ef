import { scenarioTest } from './support.ts';

scenarioTest('no-rules');
