// ImageDigestResolver: pins an image reference according to the pull policy, so every machine runs
// the same bytes: to a registry digest when there is one, else to the image ID.
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

/** `sha256:0123456789ab`: an image ID or digest as people compare them. */
export function shortDigest(id: string): string {
  return id.slice(0, 'sha256:'.length + 12);
}

/** What an image reference was pinned to, and what a person should know about it. */
export interface ImageResolution {
  /** The reference containers are created from: `image@sha256:<digest>`, an image ID `sha256:...`, or the image as given. */
  ref: string;
  /** E.g. machines that hold other bytes under the tag, or lack an image that cannot be pulled. */
  warnings: string[];
}

export class ImageDigestResolver {
  constructor(
    private readonly client: ImageClient,
    /** The machines to look at (up ones, by id), and to ask the registry through. */
    private readonly machineIds: string[],
    /**
     * Up machines the service may not run on: never used to pin, only named when `never` finds
     * the image on none of `machineIds` but one of these has it.
     */
    private readonly elsewhere: string[] = [],
  ) {}

  /**
   * Pins `image` by `policy` (the seed's ImageDigestResolver, plus image IDs for local images):
   * - a digest-pinned image is used as is;
   * - `always`: the registry's current digest for the tag;
   * - `missing`: the newest copy on any machine (its registry digest, or its image ID when it has
   *   none, e.g. built or loaded locally); on no machine, the registry's digest;
   * - `never`: like missing, but an image on no machine is an error.
   * Throws an Error naming the image and the policy when the registry must answer and does not,
   * or when `never` finds the image nowhere.
   */
  async resolve(image: string, policy: PullPolicy = 'missing'): Promise<ImageResolution> {
    if (image.includes('@sha256:')) return { ref: image, warnings: [] };
    if (policy === 'always') return { ref: await this.fromRegistry(image, policy), warnings: [] };
    const copies = await this.localCopies(image);
    const newest = [...copies.values()].filter((i): i is ImageInfo => i !== undefined).sort((a, b) => b.created.localeCompare(a.created))[0];
    if (newest) {
      const digest = digestFor(image, newest);
      return digest ? { ref: `${image}@${digest}`, warnings: differing(image, copies, newest, false) } : { ref: newest.id, warnings: differing(image, copies, newest, true) };
    }
    if (policy === 'never') {
      const holders = [...(await this.copiesOn(image, this.elsewhere)).entries()].filter(([, info]) => info).map(([id]) => id);
      if (holders.length) {
        throw new Error(
          `image ${image} is not on ${this.machineIds.join(', ')} (where placement lets the service run) and pull_policy is never; ` +
            `${holders.join(', ')} ${holders.length === 1 ? 'has' : 'have'} it: load it onto ${this.machineIds.join(', ')}, or set pull_policy: missing`,
        );
      }
      throw new Error(`image ${image} is on no machine and pull_policy is never: load it onto the machines, or set pull_policy: missing`);
    }
    return { ref: await this.fromRegistry(image, policy), warnings: [] };
  }

  private localCopies(image: string): Promise<Map<string, ImageInfo | undefined>> {
    return this.copiesOn(image, this.machineIds);
  }

  private async copiesOn(image: string, machineIds: string[]): Promise<Map<string, ImageInfo | undefined>> {
    const found = await Promise.all(machineIds.map((id) => this.client.inspectImage(id, image).catch(() => undefined)));
    return new Map(machineIds.map((id, i) => [id, found[i]]));
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

/**
 * A warning when machines hold other bytes under the tag than the pinned newest copy. An image
 * pinned by its ID cannot be pulled: machines without it are named, with what to do.
 */
function differing(image: string, copies: Map<string, ImageInfo | undefined>, pinned: ImageInfo, byId: boolean): string[] {
  const others = new Map<string, string[]>();
  const lacking: string[] = [];
  for (const [machine, info] of copies) {
    if (!info) lacking.push(machine);
    else if (info.id !== pinned.id) others.set(info.id, [...(others.get(info.id) ?? []), machine]);
  }
  const holders = [...copies].filter(([, info]) => info?.id === pinned.id).map(([m]) => m);
  const warnings: string[] = [];
  if (others.size > 0) {
    const rest = [...others].map(([id, machines]) => `${shortDigest(id)} on ${machines.join(', ')}`).join('; ');
    const need = [...others.values()].flat();
    const then = byId
      ? `it has no registry digest, so ${need.join(', ')} cannot pull it: load it there (docker save | docker load) or containers there will not start`
      : `${need.join(', ')} will pull it`;
    warnings.push(`image ${image} differs between machines: ${shortDigest(pinned.id)} (newest, pinned) on ${holders.join(', ')}; ${rest}: ${then}`);
  }
  if (byId && lacking.length > 0) {
    warnings.push(`image ${image} (${shortDigest(pinned.id)}, no registry digest) is not on ${lacking.join(', ')}: load it there (docker save | docker load) or containers there will not start`);
  }
  return warnings;
}
