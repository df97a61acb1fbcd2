import type { ProfileHints } from './customer-ref.js';
import type { Identifier } from './identifiers.js';

/** A ref ready for planning: `customerId` is the live profile its `id` names, if it named one. */
export interface PlanRef {
  customerId?: string | undefined;
  identifiers: Identifier[];
  hints: ProfileHints;
  /**
   * Only follow a profile, never write for this ref: it resolves to the profile holding one of
   * its identifiers or to a group of this batch claiming one, else to nobody. Meant for refs
   * with weak identifiers alone (an anonymous visitor is not yet a person).
   */
  lookupOnly?: boolean | undefined;
}

export interface KnownCustomer {
  createdAt: number;
  /** Holds at least one strong identifier (a weak match to it is not enough to attach to it). */
  identified: boolean;
}

export interface PlanInput {
  refs: PlanRef[];
  /** `identifierKey` → owning profile, for every identifier of the batch already stored. */
  owners: ReadonlyMap<string, string>;
  customers: ReadonlyMap<string, KnownCustomer>;
  strongTypes: ReadonlySet<string>;
  /** `pairKey`s staff have said are different people: never merged automatically. */
  blockedPairs?: ReadonlySet<string>;
}

export interface PlannedMerge {
  absorbedId: string;
  linkType: string;
  linkValue: string;
}

export interface PlannedCandidate {
  /** An existing profile id, or the index of a group whose profile this run creates. */
  other: string | { group: number };
  reason: string;
}

export interface PlannedGroup {
  refs: number[];
  /** The existing profile the refs resolve to; null when this run creates one. */
  target: string | null;
  merges: PlannedMerge[];
  /** Identifiers nobody holds yet, to attach to the target. */
  attach: Identifier[];
  hints: ProfileHints;
  candidates: PlannedCandidate[];
  /** Made of lookup-only refs that found an existing profile: nothing to write for it. */
  lookup?: true;
}

export interface Plan {
  groups: PlannedGroup[];
  /** For each ref, its group; null for a guest (no identifier, no id). */
  refGroup: Array<number | null>;
}

export const identifierKey = (i: Identifier) => `${i.type}\u0000${i.value}`;
export const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

class UnionFind {
  private readonly parent: number[];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root]!;
    while (this.parent[i] !== root) {
      const next = this.parent[i]!;
      this.parent[i] = root;
      i = next;
    }
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/**
 * Decide, without touching the database, which profile every ref of a batch resolves to.
 *
 * Refs that share a strong identifier (or name the same stored profile through one) form one
 * group: one person. A group whose strong identifiers reach several profiles merges them into the
 * oldest. Weak identifiers never join people: a weak-only ref follows the profile holding its weak
 * identifier (or a group of this batch that claims it), and a weak identifier pointing elsewhere
 * only raises a duplicate candidate. A weak match attaches new strong identifiers only to an
 * anonymous profile (one with no strong identifier yet), which is how an anonymous visitor
 * becomes known; an identified profile is never extended on weak evidence. Lookup-only refs
 * (see PlanRef) join the same way but never create, attach, or raise candidates.
 */
export function planResolution(input: PlanInput): Plan {
  const { refs, owners, customers, strongTypes } = input;
  const blocked = input.blockedPairs ?? new Set<string>();
  const isStrong = (i: Identifier) => strongTypes.has(i.type);
  const uf = new UnionFind(refs.length);
  const firstWithKey = new Map<string, number>();
  const strongKeys = (r: PlanRef): string[] => {
    const keys: string[] = [];
    if (r.customerId) keys.push(`c:${r.customerId}`);
    for (const i of r.identifiers) {
      if (!isStrong(i)) continue;
      keys.push(`i:${identifierKey(i)}`);
      const owner = owners.get(identifierKey(i));
      if (owner) keys.push(`c:${owner}`);
    }
    return keys;
  };
  const hasStrong: boolean[] = refs.map((r, idx) => {
    const keys = strongKeys(r);
    for (const k of keys) {
      const first = firstWithKey.get(k);
      if (first === undefined) firstWithKey.set(k, idx);
      else uf.union(first, idx);
    }
    return keys.length > 0;
  });
  // Weak-only refs join each other (never a strong group) through shared weak identifiers.
  const firstWeak = new Map<string, number>();
  refs.forEach((r, idx) => {
    if (hasStrong[idx]) return;
    for (const i of r.identifiers) {
      const k = identifierKey(i);
      const first = firstWeak.get(k);
      if (first === undefined) firstWeak.set(k, idx);
      else uf.union(first, idx);
    }
  });

  const members = new Map<number, number[]>();
  refs.forEach((r, idx) => {
    if (!hasStrong[idx] && r.identifiers.length === 0) return;
    const root = uf.find(idx);
    const list = members.get(root);
    if (list) list.push(idx);
    else members.set(root, [idx]);
  });
  const strongRoots = [...members.keys()].filter((root) => hasStrong[root]).sort((a, b) => a - b);
  const weakRoots = [...members.keys()].filter((root) => !hasStrong[root]).sort((a, b) => a - b);

  const byAge = (a: string, b: string) => {
    const ca = customers.get(a)?.createdAt ?? 0;
    const cb = customers.get(b)?.createdAt ?? 0;
    return ca - cb || (a < b ? -1 : a > b ? 1 : 0);
  };

  const groups: PlannedGroup[] = [];
  const refGroup: Array<number | null> = refs.map(() => null);
  const claimed = new Map<string, number>();
  const takenAnonymous = new Set<string>();

  const collect = (refIdxs: number[]) => {
    const ids: Identifier[] = [];
    const seen = new Set<string>();
    const hints: ProfileHints = {};
    for (const idx of refIdxs) {
      const r = refs[idx]!;
      for (const i of r.identifiers) {
        const k = identifierKey(i);
        if (!seen.has(k)) {
          seen.add(k);
          ids.push(i);
        }
      }
      for (const f of ['name', 'gender', 'birthday', 'city'] as const) if (hints[f] === undefined && r.hints[f]) hints[f] = r.hints[f];
    }
    return { ids, hints };
  };

  /** Unowned identifiers go to the group unless an earlier group of this batch claimed them. */
  const claim = (g: number, ids: Identifier[]) => {
    const group = groups[g]!;
    for (const i of ids) {
      const k = identifierKey(i);
      if (owners.has(k)) continue;
      const holder = claimed.get(k);
      if (holder === undefined) {
        claimed.set(k, g);
        group.attach.push(i);
      } else if (holder !== g) {
        addCandidate(group, { group: holder }, `weak_identifier:${i.type}`);
      }
    }
  };

  const addCandidate = (group: PlannedGroup, other: PlannedCandidate['other'], reason: string) => {
    if (typeof other === 'string' && other === group.target) return;
    const same = (c: PlannedCandidate) =>
      typeof c.other === 'string' ? c.other === other : typeof other !== 'string' && c.other.group === other.group;
    if (!group.candidates.some(same)) group.candidates.push({ other, reason });
  };

  for (const root of strongRoots) {
    const refIdxs = members.get(root)!;
    const { ids, hints } = collect(refIdxs);
    const strongMatches = new Map<string, PlannedMerge>();
    for (const idx of refIdxs) {
      const id = refs[idx]!.customerId;
      if (id && !strongMatches.has(id)) strongMatches.set(id, { absorbedId: id, linkType: 'id', linkValue: id });
    }
    const weakMatches = new Map<string, string>();
    for (const i of ids) {
      const owner = owners.get(identifierKey(i));
      if (!owner) continue;
      if (isStrong(i)) {
        if (!strongMatches.has(owner)) strongMatches.set(owner, { absorbedId: owner, linkType: i.type, linkValue: i.value });
      } else if (!weakMatches.has(owner)) weakMatches.set(owner, i.type);
    }
    for (const s of strongMatches.keys()) weakMatches.delete(s);

    let target: string | null = null;
    const merges: PlannedMerge[] = [];
    if (strongMatches.size > 0) {
      const [survivor, ...rest] = [...strongMatches.keys()].sort(byAge);
      target = survivor!;
      for (const absorbed of rest) if (!blocked.has(pairKey(target, absorbed))) merges.push(strongMatches.get(absorbed)!);
    } else {
      const anonymous = [...weakMatches.keys()]
        .filter((c) => !customers.get(c)?.identified && !takenAnonymous.has(c))
        .sort(byAge);
      target = anonymous[0] ?? null;
      if (target) takenAnonymous.add(target);
    }
    const group: PlannedGroup = { refs: refIdxs, target, merges, attach: [], hints, candidates: [] };
    const g = groups.push(group) - 1;
    for (const [other, type] of weakMatches) addCandidate(group, other, `weak_identifier:${type}`);
    claim(g, ids);
    for (const idx of refIdxs) refGroup[idx] = g;
  }

  for (const root of weakRoots) {
    const refIdxs = members.get(root)!;
    const lookupOnly = refIdxs.every((idx) => refs[idx]!.lookupOnly);
    const { ids, hints } = collect(refIdxs);
    const weakMatches = new Map<string, string>();
    for (const i of ids) {
      const owner = owners.get(identifierKey(i));
      if (owner && !weakMatches.has(owner)) weakMatches.set(owner, i.type);
    }
    let g: number;
    if (weakMatches.size > 0) {
      const [target, ...others] = [...weakMatches.keys()].sort(byAge);
      if (lookupOnly) {
        g = groups.push({ refs: refIdxs, target: target!, merges: [], attach: [], hints: {}, candidates: [], lookup: true }) - 1;
      } else {
        const group: PlannedGroup = { refs: refIdxs, target: target!, merges: [], attach: [], hints, candidates: [] };
        g = groups.push(group) - 1;
        for (const other of others) addCandidate(group, other, `weak_identifier:${weakMatches.get(other)}`);
      }
    } else {
      const holder = ids.map((i) => claimed.get(identifierKey(i))).find((h) => h !== undefined);
      if (holder !== undefined) {
        g = holder;
        const group = groups[g]!;
        group.refs = [...group.refs, ...refIdxs].sort((a, b) => a - b);
        if (!lookupOnly) for (const f of ['name', 'gender', 'birthday', 'city'] as const) group.hints[f] ??= hints[f];
      } else if (lookupOnly) {
        continue;
      } else {
        g = groups.push({ refs: refIdxs, target: null, merges: [], attach: [], hints, candidates: [] }) - 1;
      }
    }
    if (!lookupOnly) claim(g, ids);
    for (const idx of refIdxs) refGroup[idx] = g;
  }
  return { groups, refGroup };
}
