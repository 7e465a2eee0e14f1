/**
 * Mailpit (axllent/mailpit) as a container: an SMTP sink with AUTH and a
 * recipient allow-list, for tests that need a permissive third-party server.
 *
 * The image cannot be built from Debian packages and is never pulled here: it
 * is used only where it is already present locally (`mailpitAvailable()`), so
 * tests skip with a reason elsewhere. Settings are Mailpit's documented
 * environment variables (runtime options page of the Mailpit docs).
 */
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { imageNames } from './images.js';
import type { Endpoint } from '../harness/backend.js';
import { applyTestcontainersDefaults, imageExists, TIER_LABEL } from './runtime.js';

/** Mailpit's ports inside the container. */
const SMTP_PORT = 1025;
const HTTP_PORT = 8025;
/** Mailpit is a single static binary; it is ready in well under a second. */
export const MAILPIT_STARTUP_TIMEOUT_MS = 30_000;

export type MailpitAvailability =
  | { available: true; image: string }
  | { available: false; image: string; reason: string };

/**
 * Whether the Mailpit image is present locally (an image inspect, never a
 * pull), with the reason to print when a test skips.
 */
export async function mailpitAvailable(image: string = imageNames().mailpit): Promise<MailpitAvailability> {
  try {
    if (await imageExists(image)) return { available: true, image };
    return {
      available: false,
      image,
      reason: `image ${image} is not present locally and is never pulled by the tests; load it with \`docker load\` or set MAILDOCTOR_MAILPIT_IMAGE`,
    };
  } catch (err) {
    return { available: false, image, reason: `no container runtime answers (${(err as Error).message})` };
  }
}

export interface MailpitOptions {
  /** @default imageNames().mailpit (MAILDOCTOR_MAILPIT_IMAGE or the pin in images.env) */
  image: string;
  /**
   * SMTP AUTH: `'accept-any'` takes any user and password
   * (MP_SMTP_AUTH_ACCEPT_ANY), a list accepts only those (MP_SMTP_AUTH, as
   * space-separated `user:password` pairs), `'none'` offers no AUTH.
   * @default 'accept-any'
   */
  auth: 'accept-any' | 'none' | { user: string; password: string }[];
  /**
   * Regular expression a recipient must match, others are rejected at RCPT TO
   * (MP_SMTP_ALLOWED_RECIPIENTS). @default undefined (every recipient accepted)
   */
  allowedRecipients?: string;
  /**
   * Certificate and key for STARTTLS (MP_SMTP_TLS_CERT / MP_SMTP_TLS_KEY).
   * Without them AUTH is allowed over plaintext (MP_SMTP_AUTH_ALLOW_INSECURE),
   * since Mailpit otherwise refuses AUTH on an unencrypted session.
   */
  tls?: { cert: string; key: string; requireStartTls?: boolean };
  /** @default MAILPIT_STARTUP_TIMEOUT_MS */
  startupTimeoutMs: number;
}

export interface StartedMailpit {
  smtp: Endpoint;
  /** Base URL of Mailpit's REST API, e.g. `http://127.0.0.1:PORT/api/v1`. */
  api: string;
  /** Number of messages Mailpit has captured. */
  messageCount(): Promise<number>;
  stop(): Promise<void>;
}

/** Builds the container environment from the options (exported for tests). */
export function mailpitEnvironment(options: Partial<MailpitOptions>): Record<string, string> {
  const env: Record<string, string> = {
    // Tests must not make the container call home for a release check.
    MP_DISABLE_VERSION_CHECK: 'true',
    // No reverse DNS of the client: nothing leaves the machine.
    MP_SMTP_DISABLE_RDNS: 'true',
  };
  const auth = options.auth ?? 'accept-any';
  if (auth === 'accept-any') env.MP_SMTP_AUTH_ACCEPT_ANY = 'true';
  else if (auth !== 'none') env.MP_SMTP_AUTH = auth.map((c) => `${c.user}:${c.password}`).join(' ');
  if (auth !== 'none' && !options.tls) env.MP_SMTP_AUTH_ALLOW_INSECURE = 'true';
  if (options.allowedRecipients !== undefined) env.MP_SMTP_ALLOWED_RECIPIENTS = options.allowedRecipients;
  if (options.tls) {
    env.MP_SMTP_TLS_CERT = '/etc/mailpit/cert.pem';
    env.MP_SMTP_TLS_KEY = '/etc/mailpit/key.pem';
    if (options.tls.requireStartTls) env.MP_SMTP_REQUIRE_STARTTLS = 'true';
  }
  return env;
}

/** Starts Mailpit; check `mailpitAvailable()` first, this never pulls. */
export async function startMailpit(options: Partial<MailpitOptions> = {}): Promise<StartedMailpit> {
  applyTestcontainersDefaults();
  const image = options.image ?? imageNames().mailpit;
  const availability = await mailpitAvailable(image);
  if (!availability.available) throw new Error(`Mailpit cannot start: ${availability.reason}`);

  let container = new GenericContainer(image)
    .withLabels({ [TIER_LABEL]: 'mailpit' })
    .withExposedPorts(SMTP_PORT, HTTP_PORT)
    .withEnvironment(mailpitEnvironment(options))
    .withWaitStrategy(Wait.forHttp('/readyz', HTTP_PORT).forStatusCode(200))
    .withStartupTimeout(options.startupTimeoutMs ?? MAILPIT_STARTUP_TIMEOUT_MS);
  if (options.tls) {
    container = container.withCopyContentToContainer([
      { content: options.tls.cert, target: '/etc/mailpit/cert.pem', mode: 0o644 },
      { content: options.tls.key, target: '/etc/mailpit/key.pem', mode: 0o644 },
    ]);
  }
  const started: StartedTestContainer = await container.start();
  const host = started.getHost() === 'localhost' ? '127.0.0.1' : started.getHost();
  const api = `http://${host}:${started.getMappedPort(HTTP_PORT)}/api/v1`;
  let stopped: Promise<void> | undefined;
  return {
    smtp: { host, port: started.getMappedPort(SMTP_PORT) },
    api,
    async messageCount(): Promise<number> {
      const response = await fetch(`${api}/messages?limit=1`);
      if (!response.ok) throw new Error(`Mailpit API ${response.status} for GET /messages`);
      // `total`: messages in the mailbox (the list itself is limited to one).
      const body = (await response.json()) as { total?: number };
      if (typeof body.total !== 'number') throw new Error('Mailpit API: no `total` in GET /messages');
      return body.total;
    },
    stop(): Promise<void> {
      stopped ??= started.stop({ remove: true, timeout: 0 }).then(() => undefined);
      return stopped;
    },
  };
}
