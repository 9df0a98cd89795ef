// Imported first by index.ts: `yo canarykit` on an older Node (yo itself runs on Node 20 and 22)
// gets this message instead of an error from deep inside the generator's dependencies. ES modules
// run their imports in order, so this body runs before any other module of the generator.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `generator-canarykit needs Node.js 24 or newer; this is Node ${process.version} (${process.execPath}).\n` +
      'Get Node 24 LTS from https://nodejs.org/en/download (or: nvm install 24, fnm install 24, volta install node@24,\n' +
      'brew install node@24), reinstall yo and generator-canarykit with it (npm i -g yo generator-canarykit), then run yo canarykit again.\n',
  );
  process.exit(1);
}
export {};
