import { scenarioTest } from './support.ts';

scenarioTest('replicas-canary');
