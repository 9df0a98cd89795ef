// `canarykit newApp`: the Yeoman generator (generators/app) run through yeoman-environment.
export { runNewApp as run } from '../../../generators/app/new-app.ts';
