import { promoteTest } from './promote-support.ts';

promoteTest('promote-flaky');
