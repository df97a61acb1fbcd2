import type { Definition, Next, Step, StepType, ValidationIssue } from '../../api/journeys.api';

/**
 * The builder's operations on a definition's step graph (steps joined by id; the first step is where people enter).
 * Each returns a new definition; steps no longer reachable from the entry are dropped so the graph stays what the
 * canvas shows.
 */

/** Where a new step goes: after the trigger (a new first step), after a step, or at the head of a branch's lane. */
export type Slot = { kind: 'entry' } | { kind: 'after'; stepId: string } | { kind: 'lane'; stepId: string; lane: number | 'else' };

export function slotKey(s: Slot): string {
  return s.kind === 'entry' ? 'entry' : s.kind === 'after' ? `after:${s.stepId}` : `lane:${s.stepId}:${s.lane}`;
}

export function nextOf(step: Step): Next {
  return step.type === 'exit' || step.type === 'branch' ? null : step.next;
}

/** Where a slot currently leads (the step a new one would be inserted before). */
export function slotTarget(def: Definition, slot: Slot): Next {
  if (slot.kind === 'entry') return def.steps[0]?.id ?? null;
  const s = def.steps.find((x) => x.id === slot.stepId);
  if (!s) return null;
  if (slot.kind === 'after') return nextOf(s);
  if (s.type !== 'branch') return null;
  return slot.lane === 'else' ? s.else : s.branches[slot.lane]?.next;
}

export function newStepId(def: Definition, type: StepType): string {
  const used = new Set(def.steps.map((s) => s.id));
  for (let i = 1; ; i++) if (!used.has(`${type}_${i}`)) return `${type}_${i}`;
}

/** A new step of a type with sensible defaults (the side panel asks for the rest). */
export function blankStep(id: string, type: StepType, next: Next, defaults: { template?: string; couponTemplate?: string; taskTemplate?: string }): Step {
  const n = next ?? null;
  switch (type) {
    case 'wait':
      return { id, type, days: 1, next: n };
    case 'branch':
      return { id, type, branches: [{ when: [{ type: 'purchased', value: true }], next: null }], else: n };
    case 'send':
      return { id, type, template: defaults.template ?? '', channel: 'auto', sendAt: 'usual_hour', next: n };
    case 'coupon':
      return { id, type, template: defaults.couponTemplate ?? '', next: n };
    case 'points':
      return { id, type, points: 100, reason: '', next: n };
    case 'tag':
      return { id, type, add: [], remove: [], next: n };
    case 'task':
      return { id, type, template: defaults.taskTemplate ?? '', dueDays: 3, next: n };
    case 'exit':
      return { id, type };
  }
}

function withNext(step: Step, next: Next): Step {
  return step.type === 'exit' || step.type === 'branch' ? step : { ...step, next: next ?? null };
}

/** Points the slot at `target`. */
function setSlot(def: Definition, slot: Slot, target: string): Definition {
  if (slot.kind === 'entry') {
    const i = def.steps.findIndex((s) => s.id === target);
    const steps = [...def.steps];
    const [moved] = steps.splice(i, 1);
    return { ...def, steps: [moved!, ...steps] };
  }
  return {
    ...def,
    steps: def.steps.map((s) => {
      if (s.id !== slot.stepId) return s;
      if (slot.kind === 'after') return withNext(s, target);
      if (s.type !== 'branch') return s;
      if (slot.lane === 'else') return { ...s, else: target };
      return { ...s, branches: s.branches.map((b, i) => (i === slot.lane ? { ...b, next: target } : b)) };
    }),
  };
}

export function insertStep(def: Definition, slot: Slot, step: Step): Definition {
  const withNew = { ...def, steps: [...def.steps, step] };
  return setSlot(withNew, slot, step.id);
}

/** Removes a step: whatever led to it now leads to where it went on (a branch: its else lane). */
export function removeStep(def: Definition, id: string): Definition {
  const step = def.steps.find((s) => s.id === id);
  if (!step) return def;
  const onward = step.type === 'branch' ? (step.else ?? null) : nextOf(step) ?? null;
  const redirect = (n: Next): Next => (n === id ? onward : n);
  let steps = def.steps
    .filter((s) => s.id !== id)
    .map((s): Step => {
      if (s.type === 'branch') return { ...s, branches: s.branches.map((b) => ({ ...b, next: redirect(b.next) })), else: redirect(s.else) };
      if (s.type === 'exit') return s;
      return { ...s, next: redirect(s.next) };
    });
  if (def.steps[0]?.id === id && onward) {
    const i = steps.findIndex((s) => s.id === onward);
    if (i > 0) steps = [steps[i]!, ...steps.filter((_, j) => j !== i)];
  }
  return prune({ ...def, steps });
}

export function replaceStep(def: Definition, step: Step): Definition {
  return { ...def, steps: def.steps.map((s) => (s.id === step.id ? step : s)) };
}

/** Drops steps not reachable from the entry. */
export function prune(def: Definition): Definition {
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const walk = (id: Next) => {
    if (!id || seen.has(id)) return;
    const s = byId.get(id);
    if (!s) return;
    seen.add(id);
    if (s.type === 'branch') {
      s.branches.forEach((b) => walk(b.next));
      walk(s.else);
    } else walk(nextOf(s));
  };
  walk(def.steps[0]?.id);
  return { ...def, steps: def.steps.filter((s) => seen.has(s.id)) };
}

/** Validation issues per step id (and those about the journey as a whole under ''), from the server's paths. */
export function issuesByStep(def: Definition, issues: ValidationIssue[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const i of issues) {
    const path = String(i.path ?? '');
    const m = /^(?:definition\.)?steps\.(\d+)/.exec(path);
    const key = i.stepId ?? (m ? (def.steps[Number(m[1])]?.id ?? '') : path.replace(/^definition\./, '').startsWith('trigger') ? 'trigger' : '');
    out.set(key, [...(out.get(key) ?? []), i.message]);
  }
  return out;
}

/** A step as it will be stored: empty optional fields left out. */
export function cleanDefinition(def: Definition): Definition {
  const clean = (s: Step): Step => {
    const o = { ...s } as Record<string, unknown>;
    for (const k of Object.keys(o)) if (o[k] === undefined || o[k] === '' || (k === 'name' && !o[k])) delete o[k];
    if (s.type !== 'exit' && s.type !== 'branch' && o.next === undefined) o.next = null;
    return o as unknown as Step;
  };
  return { ...def, steps: def.steps.map(clean) };
}
