// `canarykit cluster up|down|deploy|e2e`: the kind + Istio path (src/cluster).
export { run } from '../../cluster/command.ts';
