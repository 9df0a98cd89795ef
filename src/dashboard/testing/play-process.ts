// `canarykit play` (or another command that serves the dashboard: `promote --dashboard`) as a
// child process, for the dashboard's browser tests and the screenshot scripts: started on free
// ports, driven by typing at its prompt, its dashboard URL read from its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'canarykit.js');

export class PlayProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  private constructor(child: ChildProcess) {
    this.child = child;
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Starts play with no client pages and the dashboard on a free port; resolves with its URL. */
  static async start(args: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<{ play: PlayProcess; url: string }> {
    return PlayProcess.command(['play', '--http-port', '0', '--dashboard-port', '0', ...args], env);
  }

  /** Starts `canarykit <argv>`, a command that prints its dashboard's URL; resolves with it. */
  static async command(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ play: PlayProcess; url: string }> {
    const child = spawn(process.execPath, [BIN, ...argv], { stdio: ['pipe', 'pipe', 'pipe'], env });
    const play = new PlayProcess(child);
    const m = await play.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/);
    return { play, url: m[1]! };
  }

  /** Waits (polling, at most `timeoutMs`) for a match in the output written after offset `from`. */
  waitFor(re: RegExp, from = 0, timeoutMs = 60_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const poll = () => {
        const m = re.exec(this.output.slice(from));
        if (m) return resolve(m);
        if (this.child.exitCode !== null) return reject(new Error(`canarykit play exited (${this.child.exitCode}) before ${re}:\n${this.output}`));
        if (Date.now() > deadline) return reject(new Error(`no ${re} within ${timeoutMs} ms in:\n${this.output}`));
        setTimeout(poll, 100);
      };
      poll();
    });
  }

  type(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** `quit` at the prompt; SIGTERM if it has not exited after 20 s. */
  async quit(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.type('quit');
    const timer = setTimeout(() => this.child.kill('SIGTERM'), 20_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
