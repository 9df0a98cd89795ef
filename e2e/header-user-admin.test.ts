import { scenarioTest } from './support.ts';

scenarioTest('header-user-admin');
