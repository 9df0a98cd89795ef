import { scenarioTest } from './support.ts';

scenarioTest('ingress-weighted-70-30');
