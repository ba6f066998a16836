// ImageDigestResolver: pins an image reference to a digest according to the pull policy, so every
// machine runs the same bytes.
import type { PullPolicy } from '../model/spec.js';
import type { ImageClient, ImageInfo } from './client.js';
import { messageOf } from './errors.js';

/** `host:5000/app:1` -> `host:5000/app`; `busybox` -> `busybox`. */
export function repositoryOf(image: string): string {
  const name = image.split('@')[0];
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}

const DOCKER_HUB_PREFIXES = ['docker.io/library/', 'docker.io/', 'index.docker.io/library/', 'index.docker.io/'];

function familiar(repo: string): string {
  for (const p of DOCKER_HUB_PREFIXES) if (repo.startsWith(p)) return repo.slice(p.length);
  return repo;
}

function digestFor(image: string, info: ImageInfo): string | undefined {
  const repo = familiar(repositoryOf(image));
  const match = info.repoDigests.find((d) => familiar(d.split('@')[0]) === repo);
  return match?.split('@')[1];
}

export class ImageDigestResolver {
  constructor(
    private readonly client: ImageClient,
    /** The machines to look at (up ones), and to ask the registry through. */
    private readonly machineIds: string[],
  ) {}

  async resolve(image: string, policy: PullPolicy = 'missing'): Promise<string> {
    if (image.includes('@sha256:')) return image;
    if (policy === 'always') return this.fromRegistry(image, policy);
    const local = await this.newestLocal(image);
    if (local) {
      const digest = digestFor(image, local);
      // An image built or loaded locally has no registry digest: it can only be used by tag.
      return digest ? `${image}@${digest}` : image;
    }
    if (policy === 'never') {
      throw new Error(`image ${image} is on no machine and pull_policy is never: load it onto the machines, or set pull_policy: missing`);
    }
    return this.fromRegistry(image, policy);
  }

  private async newestLocal(image: string): Promise<ImageInfo | undefined> {
    const found = await Promise.all(this.machineIds.map((id) => this.client.inspectImage(id, image).catch(() => undefined)));
    return found.filter((i): i is ImageInfo => i !== undefined).sort((a, b) => b.created.localeCompare(a.created))[0];
  }

  private async fromRegistry(image: string, policy: PullPolicy): Promise<string> {
    const machineId = this.machineIds[0];
    if (!machineId) throw new Error(`resolve image ${image}: no machine is up to ask the registry through`);
    try {
      return `${image}@${await this.client.registryDigest(machineId, image)}`;
    } catch (err) {
      const hint = policy === 'always' ? 'pull_policy is always, so the registry must answer' : 'no machine has the image, so the registry must answer';
      throw new Error(`resolve image ${image}: ${messageOf(err)} (${hint})`);
    }
  }
}
