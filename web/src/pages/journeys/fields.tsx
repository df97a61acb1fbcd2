import { useEffect, useState, type ReactNode } from 'react';

/** Small form parts of the journeys and messaging pages. */

export function Field({ label, hint, error, children, wide }: { label: ReactNode; hint?: ReactNode; error?: string | null | undefined; children: ReactNode; wide?: boolean }) {
  return (
    <label className={`jr-f${error ? ' invalid' : ''}${wide ? ' jr-f-wide' : ''}`}>
      <span className="jr-f-label">{label}</span>
      {children}
      {error ? <span className="field-error">{error}</span> : hint ? <small className="muted">{hint}</small> : null}
    </label>
  );
}

/** A whole-number input whose empty state is `undefined` (an optional field left out). */
export function NumInput({ value, onChange, name, min, max, unit }: { value: number | undefined | null; onChange: (v: number | undefined) => void; name: string; min?: number; max?: number; unit?: string }) {
  const [text, setText] = useState(value === undefined || value === null ? '' : String(value));
  useEffect(() => {
    setText((cur) => {
      const parsed = cur.trim() === '' ? undefined : Math.trunc(Number(cur));
      return parsed === (value ?? undefined) ? cur : value === undefined || value === null ? '' : String(value);
    });
  }, [value]);
  const input = (
    <input
      type="number"
      inputMode="numeric"
      name={name}
      min={min}
      max={max}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const v = e.target.value.trim();
        onChange(v === '' || !Number.isFinite(Number(v)) ? undefined : Math.trunc(Number(v)));
      }}
    />
  );
  return unit ? (
    <span className="jr-unit">
      {input}
      <em>{unit}</em>
    </span>
  ) : (
    input
  );
}

/** A comma- or space-separated list typed as text. */
export function ListInput({ value, onChange, name, placeholder }: { value: string[] | undefined; onChange: (v: string[]) => void; name: string; placeholder?: string }) {
  const [text, setText] = useState((value ?? []).join(', '));
  useEffect(() => {
    setText((cur) => (split(cur).join(',') === (value ?? []).join(',') ? cur : (value ?? []).join(', ')));
  }, [value]);
  return (
    <input
      type="text"
      name={name}
      value={text}
      placeholder={placeholder}
      onChange={(e) => {
        setText(e.target.value);
        onChange(split(e.target.value));
      }}
    />
  );
}

function split(s: string): string[] {
  return s
    .split(/[,，、\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/** Toggle chips for picking several of a few options. */
export function Chips<T extends string>({ options, value, onChange, label, name }: { options: Array<{ value: T; label: string }>; value: T[]; onChange: (v: T[]) => void; label: (v: T) => string; name: string }) {
  return (
    <div className="jr-chips" data-name={name}>
      {options.map((o) => {
        const on = value.includes(o.value);
        return (
          <button key={o.value} type="button" className={on ? 'jr-chip on' : 'jr-chip'} aria-pressed={on} onClick={() => onChange(on ? value.filter((v) => v !== o.value) : [...value, o.value])}>
            {on ? '✓ ' : ''}
            {label(o.value) || o.label}
          </button>
        );
      })}
    </div>
  );
}
