/**
 * Container runtime access for the container test tier: testcontainers'
 * settings for this kind of machine, and checks that let tests skip with a
 * reason instead of trying to pull an image.
 */
import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { imageNames } from './images.js';

/**
 * Defaults for testcontainers, applied only where the caller set nothing:
 * - Ryuk (the reaper) is itself an image pulled from a registry, which is not
 *   possible here; backends remove their containers in `stop()` instead.
 * - Without a host override testcontainers may start a helper container
 *   (another pull) to find out how to reach published ports.
 * They must be set before the first testcontainers call, which caches both.
 */
export function applyTestcontainersDefaults(env: NodeJS.ProcessEnv = process.env): void {
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
}

/** Label put on every container of this tier, to find leftovers after a crash. */
export const TIER_LABEL = 'org.maildoctor.test-tier';

/** Why the container tier cannot run here, or undefined when it can. */
export async function containerRuntimeUnavailable(): Promise<string | undefined> {
  applyTestcontainersDefaults();
  try {
    await getContainerRuntimeClient();
    return undefined;
  } catch (err) {
    return `no container runtime answers (${(err as Error).message}); run scripts/containers/setup-docker.sh`;
  }
}

/** Whether `image` exists locally; never pulls. */
export async function imageExists(image: string): Promise<boolean> {
  applyTestcontainersDefaults();
  const client = await getContainerRuntimeClient();
  return client.image.exists(ImageName.fromString(image));
}

/** The images in `images` that are absent locally. */
export async function missingImages(images: string[]): Promise<string[]> {
  const present = await Promise.all(images.map((image) => imageExists(image)));
  return images.filter((_, i) => !present[i]);
}

/** Label carrying a per-start id, so one start's containers can be found again. */
export const RUN_LABEL = 'org.maildoctor.run';
/** Label naming a container's role in its run (e.g. `dovecot`). */
export const ROLE_LABEL = 'org.maildoctor.role';
/** How long to wait for an exited container's log to drain. */
const LEFTOVER_LOG_TIMEOUT_MS = 2_000;

/**
 * Force-removes every container (running or exited) of run `runId` and
 * returns the last lines each one logged, by role.
 *
 * Why: testcontainers removes a container whose wait strategy fails, but not
 * one that exits before its ports are bound (it times out waiting for them and
 * throws with no handle to the container). With Ryuk disabled nothing else
 * would remove it.
 */
export async function removeRunContainers(runId: string, tail = 40): Promise<Map<string, string>> {
  const client = await getContainerRuntimeClient();
  const infos = await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${RUN_LABEL}=${runId}`] },
  });
  const logs = new Map<string, string>();
  await Promise.all(
    infos.map(async (info) => {
      const container = client.container.getById(info.Id);
      const role = info.Labels?.[ROLE_LABEL] ?? info.Id.slice(0, 12);
      if (info.State !== 'running') logs.set(role, await readLog(await client.container.logs(container, { tail })));
      await client.container.stop(container, { timeout: 0 }).catch(() => {});
      await client.container.remove(container, { removeVolumes: true }).catch(() => {});
    }),
  );
  return logs;
}

async function readLog(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, LEFTOVER_LOG_TIMEOUT_MS);
    stream.on('data', (chunk: Buffer | string) => (text += chunk.toString()));
    stream.on('end', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on('error', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return text.trimEnd();
}

/** Why the container tier cannot run here (no Docker engine, or the images are not built), or undefined. */
export async function containerTierUnavailable(): Promise<string | undefined> {
  const noRuntime = await containerRuntimeUnavailable();
  if (noRuntime) return noRuntime;
  const { dovecot, postfix } = imageNames();
  const missing = await missingImages([dovecot, postfix]);
  if (missing.length > 0) return `image(s) missing: ${missing.join(', ')}; run scripts/containers/build-images.sh`;
  return undefined;
}
