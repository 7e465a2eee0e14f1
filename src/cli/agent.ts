/**
 * `maildoctor agent [--config FILE]`: load and check the config, start the agent, and turn signals into its
 * lifecycle: SIGHUP reloads the config and re-checks; SIGTERM and SIGINT stop it cleanly (checks aborted, state
 * flushed, server closed) and the command returns 0. Everything else is the library's (src/agent).
 */
import { checkSecrets, loadAgentConfig, startAgent, type AgentDeps } from '../agent/index.js';
import { defaultConfigFile } from '../agent/paths.js';
import { EXIT } from '../lib/exit-codes.js';
import type { Lang } from '../i18n/types.js';
import type { Io } from './io.js';

export interface AgentCommandOptions {
  config?: string;
  /** `--lang`: the alerts' language, over the config's `lang` (and the locale), on every reload too. */
  lang?: Lang;
}

/** What the command listens to; a test passes an EventEmitter. */
export type SignalSource = Pick<NodeJS.Process, 'on' | 'off'>;

export async function agentCommand(opts: AgentCommandOptions, io: Io, signals: SignalSource = process, deps: Partial<AgentDeps> = {}): Promise<number> {
  const file = opts.config ?? defaultConfigFile({ env: io.env });
  const withLang = <T extends { lang?: Lang }>(c: T): T => (opts.lang ? { ...c, lang: opts.lang } : c);
  const load = async (): Promise<unknown> => withLang(await loadAgentConfig(file));
  const config = withLang(await loadAgentConfig(file));
  // Fail at start-up, with exit code 2, rather than at the first check.
  await checkSecrets(config, io.env);
  const agent = await startAgent(config, { loadConfig: load, env: io.env, ...deps });
  // The library keeps no reference on the event loop (its timers are unref'd); the command does.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  return new Promise<number>((resolve, reject) => {
    const onHup = (): void => {
      // A refused config is logged by the agent, which keeps running with the previous one.
      agent.reload().catch(() => undefined);
    };
    const onStop = (): void => {
      signals.off('SIGHUP', onHup);
      signals.off('SIGTERM', onStop);
      signals.off('SIGINT', onStop);
      agent.stop().then(
        () => {
          clearInterval(keepAlive);
          resolve(EXIT.OK);
        },
        (err: unknown) => {
          clearInterval(keepAlive);
          reject(err);
        },
      );
    };
    signals.on('SIGHUP', onHup);
    signals.on('SIGTERM', onStop);
    signals.on('SIGINT', onStop);
  });
}
